{ lib, ... }:
let
  base = {
    serviceConfig = {
      User = "app";
      Restart = "always";
      MemoryMax = "512M";
    };
  };
in
{
  systemd.services.app = lib.recursiveUpdate base {
    serviceConfig.Restart = "on-failure";
  };
}
