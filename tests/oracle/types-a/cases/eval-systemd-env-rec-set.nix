{ ... }: {
  systemd.services.app.environment = rec {
    APP_URL = "https://${APP_HOST}:${APP_PORT}/";
    APP_HOST = "app.example.org";
    APP_PORT = "8443";
  };
}
