# nix-compare
{ lib, ... }: { config = lib.mkIf true { services.x.enable = true; }; }
