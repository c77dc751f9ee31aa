{ ... }: {
  systemd.network.links."10-eth" = { matchConfig.OriginalName = "eth0"; linkConfig.MACAddressPolicy = "sticky"; };
}
