{ ... }: {
  systemd.timers.backup-db = {
    wantedBy = [ "timers.target" ];
    timerConfig = "daily";
  };
}
