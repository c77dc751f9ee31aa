{ ... }: {
  services.tinc.networks.vpn.debugLevel = 6;
}
