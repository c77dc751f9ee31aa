{ lib, ... }: {
  environment.etc."app/app.ini".text = lib.generators.toINI { } {
    server = { host = "0.0.0.0"; port = 8080; tls = false; };
    database = { url = "postgres:///app"; };
  };
}
