{ ... }: {
  services.borgbackup.jobs.home = {
    repo = "borg@backup.example.org:.";
    encryption = { mode = "repokey-blake2"; passCommand = "cat /run/keys/borg"; };
    paths = [ "/srv/media" ];
    compression = "none,0";
  };
}
