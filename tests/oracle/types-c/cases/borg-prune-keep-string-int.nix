{ ... }: { services.borgbackup.jobs.home = { paths = "/home"; repo = "/mnt/backup"; encryption.mode = "none"; prune.keep = { daily = "7"; }; }; }
