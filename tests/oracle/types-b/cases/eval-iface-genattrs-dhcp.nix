{ lib, ... }:
{
  networking.useDHCP = false;
  networking.interfaces = lib.genAttrs [ "enp1s0" "enp2s0" ] (_: { useDHCP = true; });
}
