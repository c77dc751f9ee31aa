{ ... }:
{
  systemd.services.backup.startAt = [ "Sat 04:00" ];
}
