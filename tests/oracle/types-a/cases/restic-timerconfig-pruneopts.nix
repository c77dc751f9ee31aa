{ ... }: {
  services.restic.backups.daily = {
    repository = "/mnt/backup/restic";
    passwordFile = "/etc/nixos/secrets/restic-password";
    paths = [ "/home" ];
    initialize = true;
    timerConfig = { OnCalendar = "00:05"; RandomizedDelaySec = "5h"; };
    pruneOpts = [ "--keep-daily 7" "--keep-weekly 5" "--keep-monthly 12" "--keep-yearly 75" ];
  };
}
