{ ... }: {
  networking.firewall.extraPackages = [ "ipset" ];
}
