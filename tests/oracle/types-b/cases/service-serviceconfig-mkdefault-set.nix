{ lib, ... }:
{
  systemd.services.worker.serviceConfig = lib.mkMerge [
    (lib.mkDefault { Type = "forking"; PIDFile = "/run/worker.pid"; })
    { Type = "exec"; ExecStart = "/run/current-system/sw/bin/sleep infinity"; }
  ];
}
