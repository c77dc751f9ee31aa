{ ... }:
{
  systemd.services.cleanup = {
    script = "find /tmp/uploads -mtime +7 -delete";
    startAt = "weekly";
  };
}
