{ ... }: {
  networking.firewall.allowedUDPPorts = [ 0 ];
}
