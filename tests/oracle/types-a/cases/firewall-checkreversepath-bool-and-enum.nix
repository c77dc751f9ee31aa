{ ... }: {
  imports = [ ./lib/firewall-strict-rpf.nix ];
  networking.firewall.checkReversePath = false;
}
