{ lib, ... }: {
  networking.firewall.allowedTCPPorts = lib.mkMerge [
    [ 80 ]
    (lib.mkBefore [ 22 ])
    (lib.mkAfter [ 443 ])
  ];
}
