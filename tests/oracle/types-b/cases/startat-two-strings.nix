{ lib, ... }:
{
  systemd.services.backup = {
    script = "echo backing up";
    startAt = lib.mkMerge [ "daily" "weekly" ];
  };
}
