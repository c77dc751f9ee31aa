{ lib, ... }: {
  imports = [ ./lib/backup-script-tail.nix ];
  systemd.services.backup.script = lib.mkMerge [
    "pg_dumpall > /var/backup/all.sql"
    (lib.mkBefore "set -eu")
  ];
}
