{ lib, ... }:
{
  networking.firewall.allowedTCPPorts = lib.mkMerge [
    [ 80 8080 ]
    (lib.mkForce [ 443 ])
  ];
}
