{ ... }:
{
  systemd.services.worker.serviceConfig.ExecStartPre = [ "/run/current-system/sw/bin/chmod 0750 /var/lib/worker" ];
}
