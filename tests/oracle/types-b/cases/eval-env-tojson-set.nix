{ ... }:
{
  systemd.services.web.environment.CONFIG = builtins.toJSON {
    port = 8080;
    debug = false;
    ratio = 0.25;
    tags = [ "prod" "eu" ];
    proxy = null;
  };
}
