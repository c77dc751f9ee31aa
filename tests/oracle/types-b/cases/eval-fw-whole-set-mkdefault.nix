{ lib, ... }:
{
  networking.firewall = lib.mkMerge [
    (lib.mkDefault { allowPing = false; logRefusedConnections = false; })
    { allowPing = true; }
  ];
}
