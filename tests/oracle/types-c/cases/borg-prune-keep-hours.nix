{ ... }: { services.borgbackup.jobs.home = { paths = "/home"; repo = "/mnt/backup"; encryption.mode = "none"; prune.keep = { within = "48H"; }; }; }
