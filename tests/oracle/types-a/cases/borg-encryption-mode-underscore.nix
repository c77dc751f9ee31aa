{ ... }: {
  services.borgbackup.jobs.home = {
    repo = "borg@backup.example.org:.";
    encryption = { mode = "repokey_blake2"; passCommand = "cat /run/keys/borg"; };
    paths = [ "/home" ];
  };
}
