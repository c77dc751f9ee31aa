{ ... }:
{
  systemd.services.sync = {
    script = "rsync -a /srv/ /backup/";
    serviceConfig = {
      Type = "oneshot";
      RemainAfterExit = true;
      Nice = 19;
      IOSchedulingClass = "idle";
    };
  };
}
