# nix-compare
{ lib, ... }: { services.x = lib.mkIf true (lib.mkMerge [ { a = lib.mkDefault 1; } (lib.mkIf false { b = 2; }) ]); }
