{ ... }: {
  systemd.network.enable = true;
  systemd.network.networks."40-eth0" = {
    matchConfig.Name = "eth0";
    networkConfig = { DHCP = "yes"; DNSOverTLS = "yes"; };
  };
}
