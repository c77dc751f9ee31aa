{ ... }: { services.borgbackup.jobs.home = { paths = "/home"; repo = "/mnt/backup"; encryption.mode = "none"; startAt = [ "Mon 02:00" "Thu 02:00" ]; }; }
