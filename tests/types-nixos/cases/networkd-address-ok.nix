{ ... }: {
  systemd.network.networks."10-lan" = { matchConfig.Name = "eth0"; addresses = [ { addressConfig = { Address = "10.0.0.1/24"; PreferredLifetime = 0; }; } ]; };
}
