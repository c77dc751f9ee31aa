{ lib, ... }:
{
  systemd.services.worker.serviceConfig = {
    ExecStart = "/run/current-system/sw/bin/true";
    Type = lib.mkIf true "oneshot";
  };
}
