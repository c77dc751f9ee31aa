{ ... }: {
  imports = [ ./lib/backup-startat-sunday.nix ];
  systemd.services.backup = { script = "true"; startAt = [ "*-*-* 02:00:00" ]; };
}
