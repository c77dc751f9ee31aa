{ ... }: {
  systemd.network.links."10-eth" = { matchConfig.OriginalName = "eth0"; linkConfig.MACAddress = "02:00:00:00:00:01"; };
}
