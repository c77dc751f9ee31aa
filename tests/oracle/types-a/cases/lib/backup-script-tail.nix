{ lib, ... }: {
  systemd.services.backup.script = lib.mkAfter "echo done";
}
