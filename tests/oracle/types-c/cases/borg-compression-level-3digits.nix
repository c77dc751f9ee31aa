{ ... }: { services.borgbackup.jobs.home = { paths = "/home"; repo = "/mnt/backup"; encryption.mode = "none"; compression = "zlib,100"; }; }
