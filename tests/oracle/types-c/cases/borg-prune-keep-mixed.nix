{ ... }: { services.borgbackup.jobs.home = { paths = "/home"; repo = "/mnt/backup"; encryption.mode = "none"; prune.keep = { within = "1d"; daily = 7; weekly = 4; monthly = -1; }; }; }
