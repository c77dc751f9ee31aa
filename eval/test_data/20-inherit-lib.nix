# nix-compare
{ lib, ... }: let inherit (lib) mkIf mkForce; in { services.x = mkIf true { user = mkForce "a"; }; }
