{ ... }: {
  imports = [ ./lib/firewall-https-port.nix ];
  networking.firewall.allowedTCPPorts = [ 80 ];
}
