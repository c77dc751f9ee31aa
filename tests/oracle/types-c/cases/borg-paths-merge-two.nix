{ lib, ... }: { imports = [ ./lib/borg-paths-extra.nix ]; services.borgbackup.jobs.home = { paths = "/home"; repo = "/mnt/backup"; encryption.mode = "none"; }; }
