{ lib, ... }:
{
  systemd.services.web.serviceConfig = lib.mkMerge [
    { Restart = "always"; RestartSec = 5; }
    { RestartSec = lib.mkForce 10; }
  ];
}
