{ ... }:
{
  environment.etc."app/config.json".text = builtins.toJSON {
    listen = "0.0.0.0:8080";
    workers = 4;
    ratio = 0.75;
    backends = [ { host = "10.0.0.2"; weight = 2; } ];
  };
}
