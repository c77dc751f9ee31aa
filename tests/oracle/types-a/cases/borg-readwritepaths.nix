{ ... }: {
  services.borgbackup.jobs.home = {
    repo = "borg@backup.example.org:.";
    encryption = { mode = "repokey-blake2"; passCommand = "cat /run/keys/borg"; };
    paths = [ "/home" ];
    readWritePaths = [ "/var/backup/mysqldump" ];
    preHook = "mysqldump --all-databases > /var/backup/mysqldump/all.sql";
  };
}
