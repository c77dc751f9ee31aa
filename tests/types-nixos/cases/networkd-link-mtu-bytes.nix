{ ... }: {
  systemd.network.links."10-eth" = { matchConfig.OriginalName = "eth0"; linkConfig.MTUBytes = "9000"; };
}
