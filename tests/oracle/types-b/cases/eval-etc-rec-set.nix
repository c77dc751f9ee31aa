{ ... }:
let
  cfg = rec {
    host = "localhost";
    port = 3000;
    url = "http://${host}:${toString port}/";
  };
in
{
  environment.etc."app.url".text = cfg.url;
}
