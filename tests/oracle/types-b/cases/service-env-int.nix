{ ... }:
{
  systemd.services.web.environment = {
    NODE_ENV = "production";
    PORT = 8080;
  };
}
