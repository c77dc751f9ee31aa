# nix-compare
{ lib, ... }: { services.x.port = lib.mkDefault 80; services.x.user = lib.mkForce "root"; }
