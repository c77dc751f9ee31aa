{ ... }:
{
  imports = [ ./lib/backup-startat-list.nix ];
  systemd.services.backup = {
    script = "echo backing up";
    startAt = "daily";
  };
}
