{ lib, ... }:
{
  networking.firewall.allowedTCPPorts = lib.mkMerge [
    [ 80 ]
    (lib.mkAfter [ 9100 ])
    (lib.mkBefore [ 22 ])
  ];
}
