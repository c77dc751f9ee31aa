{ ... }: {
  systemd.services.webapp.serviceConfig.Restart = "always";
}
