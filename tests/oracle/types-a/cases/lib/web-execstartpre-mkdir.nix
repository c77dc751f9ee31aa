{ lib, ... }: {
  systemd.services.web.serviceConfig.ExecStartPre = lib.mkBefore [ "/run/current-system/sw/bin/mkdir -p /var/lib/web" ];
}
