{ ... }: {
  systemd.network.networks."10-lan" = { matchConfig.Name = "eth0"; networkConfig.LLMNR = "maybe"; };
}
