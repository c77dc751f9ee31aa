{ ... }: {
  systemd.network.networks."10-lan" = { matchConfig.Name = "eth0"; addresses = [ { addressConfig.Peer = "10.0.0.2/32"; } ]; };
}
