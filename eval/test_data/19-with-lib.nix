# nix-compare
{ lib, ... }: with lib; { services.x.enable = mkDefault true; services.y = mkIf true { on = true; }; }
