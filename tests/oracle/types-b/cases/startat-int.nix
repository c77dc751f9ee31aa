{ ... }:
{
  systemd.services.backup = {
    script = "echo backing up";
    startAt = 3;
  };
}
