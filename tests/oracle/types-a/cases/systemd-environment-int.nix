{ ... }: {
  systemd.services.webapp.environment = {
    PORT = 8080;
    NODE_ENV = "production";
  };
}
