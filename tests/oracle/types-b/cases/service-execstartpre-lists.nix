{ ... }:
{
  imports = [ ./lib/worker-prestart-list.nix ];
  systemd.services.worker.serviceConfig = {
    ExecStart = "/run/current-system/sw/bin/sleep infinity";
    ExecStartPre = [ "/run/current-system/sw/bin/mkdir -p /var/lib/worker" ];
  };
}
