{ lib, ... }: {
  imports = [ ./lib/firewall-order-extra.nix ];
  networking.firewall.allowedTCPPorts = lib.mkMerge [ [ 8080 ] (lib.mkAfter [ 9000 ]) (lib.mkOrder 10 [ 22 ]) ];
}
