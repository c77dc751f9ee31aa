{ ... }: {
  systemd.timers.backup-db = {
    wantedBy = [ "timers.target" ];
    timerConfig = { OnCalendar = "*-*-* 03:15:00"; Persistent = true; RandomizedDelaySec = "30m"; };
  };
}
