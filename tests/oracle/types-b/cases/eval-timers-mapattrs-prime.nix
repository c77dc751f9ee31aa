{ lib, ... }:
let
  schedules = { db = "daily"; files = "weekly"; };
in
{
  systemd.timers = lib.mapAttrs' (name: cal: lib.nameValuePair "backup-${name}" {
    wantedBy = [ "timers.target" ];
    timerConfig.OnCalendar = cal;
  }) schedules;
  systemd.services = lib.mapAttrs' (name: _: lib.nameValuePair "backup-${name}" {
    script = "echo backing up ${name}";
  }) schedules;
}
