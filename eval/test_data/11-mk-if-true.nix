# nix-compare
{ lib, ... }: { services.x = lib.mkIf true { enable = true; port = 1; }; }
