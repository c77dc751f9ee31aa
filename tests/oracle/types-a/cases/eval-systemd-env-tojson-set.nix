{ ... }: {
  systemd.services.web.environment.CONFIG_JSON = builtins.toJSON {
    sentry_dsn = null;
    ratio = 1.5;
    ports = [ 80 443 ];
    debug = false;
    db = { host = "localhost"; port = 5432; };
  };
}
