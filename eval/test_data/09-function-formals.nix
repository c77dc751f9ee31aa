# nix-compare
{ lib, ... }: { services.x.enable = true; }
