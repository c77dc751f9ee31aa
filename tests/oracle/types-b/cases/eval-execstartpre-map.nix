{ ... }:
{
  systemd.services.prep.serviceConfig.ExecStartPre = map (d: "/run/current-system/sw/bin/install -d -m 0750 /srv/${d}") [ "www" "backup" ]
    ++ [ "/run/current-system/sw/bin/touch /var/log/telegraf/dummy" ];
}
