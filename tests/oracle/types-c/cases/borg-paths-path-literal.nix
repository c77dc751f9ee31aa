{ ... }: { services.borgbackup.jobs.home = { paths = /home/user; repo = "/mnt/backup"; encryption.mode = "none"; }; }
