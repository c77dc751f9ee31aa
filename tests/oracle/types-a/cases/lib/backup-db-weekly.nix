{ ... }: {
  systemd.services.backup-db.startAt = [ "Sun 04:00" ];
}
