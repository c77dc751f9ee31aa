{ lib, ... }: {
  imports = [ ./lib/firewall-strict-rpf.nix ];
  networking.firewall.checkReversePath = lib.mkForce false;
}
