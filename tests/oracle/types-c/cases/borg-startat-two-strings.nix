{ ... }: { imports = [ ./lib/borg-startat-hourly.nix ]; services.borgbackup.jobs.home = { paths = "/home"; repo = "/mnt/backup"; encryption.mode = "none"; startAt = "daily"; }; }
