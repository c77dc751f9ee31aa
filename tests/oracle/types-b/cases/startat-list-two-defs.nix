{ lib, ... }:
{
  systemd.services.backup = lib.mkMerge [
    { script = "echo backing up"; startAt = [ "*-*-* 02:00:00" ]; }
    { startAt = [ "*-*-* 14:00:00" ]; }
  ];
}
