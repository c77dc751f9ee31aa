{ ... }:
{
  systemd.services.backup = {
    script = "echo backing up";
    startAt = "Sun 14:00:00";
  };
}
