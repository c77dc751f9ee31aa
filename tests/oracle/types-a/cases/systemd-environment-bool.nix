{ ... }: {
  systemd.services.webapp.environment = { DEBUG = false; };
}
