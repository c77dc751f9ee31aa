{ ... }: {
  services.tinc.networks.vpn.debugLevel = 5;
}
