# A module built with lib.mkMerge: one part always, one on a condition.
{ config, lib, pkgs, ... }:
lib.mkMerge [
  {
    services.memcached = {
      enable = true;
      maxMemory = 256;
      listen = "::";
    };
  }
  (lib.mkIf config.services.memcached.enable {
    environment.systemPackages = with pkgs; [ libmemcached ];
  })
]
