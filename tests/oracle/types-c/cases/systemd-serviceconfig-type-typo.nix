{ ... }: { systemd.services.borg-extra.serviceConfig = { Type = "one-shot"; }; }
