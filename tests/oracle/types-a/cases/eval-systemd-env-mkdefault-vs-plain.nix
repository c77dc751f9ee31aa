{ ... }: {
  imports = [ ./lib/app-env-defaults.nix ];
  systemd.services.app.environment.LOG_LEVEL = "debug";
}
