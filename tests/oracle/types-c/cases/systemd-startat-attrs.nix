{ ... }: { systemd.services.report = { script = "true"; startAt = { OnCalendar = "daily"; }; }; }
