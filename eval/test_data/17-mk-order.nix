# nix-compare
{ lib, ... }: { networking.firewall.allowedTCPPorts = lib.mkBefore [ 22 ]; environment.etc.x.text = lib.mkAfter "tail"; services.y.z = lib.mkOrder 700 [ 1 ]; }
