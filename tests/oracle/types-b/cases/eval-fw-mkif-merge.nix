{ lib, ... }:
{
  networking.firewall.allowedUDPPorts = lib.mkMerge [
    [ 53 ]
    (lib.mkIf false [ 67 68 ])
    (lib.mkIf true [ 123 ])
  ];
}
