{ ... }: { systemd.services.report = { script = "true"; startAt = [ "Mon *-*-* 06:00:00" "Fri *-*-* 18:00:00" ]; }; }
