{ ... }: { systemd.services.borg-extra.serviceConfig = { Type = "oneshot"; Nice = 19; IOSchedulingClass = "idle"; }; }
