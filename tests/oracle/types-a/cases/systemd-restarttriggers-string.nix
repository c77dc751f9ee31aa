{ ... }: {
  systemd.services.webapp.restartTriggers = "config-v2";
}
