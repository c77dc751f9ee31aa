{ ... }: { services.borgbackup.jobs.home = { paths = "/home/user"; repo = "user@machine:/path/to/repo"; encryption.mode = "none"; }; }
