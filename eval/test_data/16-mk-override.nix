# nix-compare
{ lib, ... }: { services.x.port = lib.mkOverride 900 80; }
