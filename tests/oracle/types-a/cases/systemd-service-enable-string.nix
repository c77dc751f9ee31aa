{ ... }: {
  systemd.services.webapp.enable = "false";
}
