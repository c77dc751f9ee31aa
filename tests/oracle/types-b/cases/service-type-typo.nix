{ ... }:
{
  systemd.services.sync = {
    script = "rsync -a /srv/ /backup/";
    serviceConfig.Type = "oneshoot";
  };
}
