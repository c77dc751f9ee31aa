{ ... }: {
  systemd.network.enable = true;
  systemd.network.networks."10-uplink" = {
    matchConfig.Name = "en*";
    networkConfig.Adress = "2001:db8::cafe/64";
  };
}
