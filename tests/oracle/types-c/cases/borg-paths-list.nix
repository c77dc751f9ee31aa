{ ... }: { services.borgbackup.jobs.home = { paths = [ "/home" "/var/lib" ]; repo = "/mnt/backup"; encryption.mode = "none"; }; }
