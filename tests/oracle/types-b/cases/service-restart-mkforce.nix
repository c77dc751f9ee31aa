{ lib, ... }:
{
  systemd.services.worker.serviceConfig = {
    ExecStart = "/run/current-system/sw/bin/sleep infinity";
    Restart = lib.mkForce "always";
  };
}
