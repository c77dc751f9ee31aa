{ lib, ... }:
{
  networking.firewall.checkReversePath = lib.mkMerge [ "loose" (lib.mkForce false) ];
}
