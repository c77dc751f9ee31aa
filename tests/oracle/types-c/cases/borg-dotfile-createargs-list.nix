{ ... }: { services.borgbackup.jobs."nas-system" = { repo = "/mnt/backup"; encryption.mode = "none"; paths = [ "/srv" ]; extraCreateArgs = [ "--stats" "--checkpoint-interval" "600" ]; }; }
