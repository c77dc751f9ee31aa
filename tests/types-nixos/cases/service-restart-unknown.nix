{ config, ... }: {
  systemd.services.web.serviceConfig = { Restart = config.services.foo.restart or "always"; };
}
