# nix-compare
{ lib, ... }: { options = { }; config = { services.x.enable = true; }; }
