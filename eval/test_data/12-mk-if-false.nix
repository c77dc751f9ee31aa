# nix-compare
{ lib, ... }: { services.x = lib.mkIf false { enable = true; }; }
