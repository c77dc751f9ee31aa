{ ... }: { systemd.services.mpd-watch.serviceConfig = { ExecStart = "/run/current-system/sw/bin/true"; Restart = true; }; }
