# nix-compare
{ pkgs, ... }: { services.x.port = pkgs.lib.mkDefault 8080; }
