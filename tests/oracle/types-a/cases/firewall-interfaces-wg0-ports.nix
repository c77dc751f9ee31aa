{ ... }: {
  networking.firewall.interfaces."wg0".allowedTCPPorts = [ 9273 9100 ];
}
