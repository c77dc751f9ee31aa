{ ... }: {
  systemd.network.enable = true;
  systemd.network.networks."10-uplink" = {
    matchConfig.Name = "en*";
    networkConfig = {
      Address = "::cafe:babe:feed:face:dead:beef";
      Gateway = [ "fe80::1" ];
    };
  };
}
