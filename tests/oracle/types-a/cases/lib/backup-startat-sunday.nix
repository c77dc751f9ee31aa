{ ... }: {
  systemd.services.backup.startAt = [ "Sun *-*-* 05:00:00" ];
}
