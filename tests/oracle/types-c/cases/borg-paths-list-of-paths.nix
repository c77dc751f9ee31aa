{ ... }: { services.borgbackup.jobs.home = { paths = [ /home /etc ]; repo = "/mnt/backup"; encryption.mode = "none"; }; }
