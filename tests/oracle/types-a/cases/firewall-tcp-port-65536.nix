{ ... }: {
  networking.firewall.allowedTCPPorts = [ 8080 65536 ];
}
