{ ... }: {
  networking.firewall.allowedUDPPorts = [ "60000-61000" ];
}
