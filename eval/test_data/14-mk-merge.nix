# nix-compare
{ lib, ... }: lib.mkMerge [ { services.a.enable = true; } { services.b.enable = false; } ]
