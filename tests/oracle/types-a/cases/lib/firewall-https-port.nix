{ ... }: {
  networking.firewall.allowedTCPPorts = 443;
}
