{ ... }:
{
  systemd.services.web.environment = {
    PORT = toString 8080;
    RATIO = toString 0.5;
    WORKERS = toString (16 / 3);
    SHARE = toString (16.0 / 3);
  };
}
