{ lib, ... }:
{
  imports = [ ./lib/worker-notify.nix ];
  systemd.services.worker.serviceConfig = {
    ExecStart = "/run/current-system/sw/bin/sleep infinity";
    Type = lib.mkDefault "simple";
  };
}
