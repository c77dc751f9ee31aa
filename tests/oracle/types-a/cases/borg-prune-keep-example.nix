{ ... }: {
  services.borgbackup.jobs.home = {
    repo = "borg@backup.example.org:.";
    encryption = { mode = "repokey-blake2"; passCommand = "cat /run/keys/borg"; };
    paths = [ "/home" ];
    prune.keep = {
      within = "1d";
      daily = 7;
      weekly = 4;
      monthly = -1;
    };
  };
}
