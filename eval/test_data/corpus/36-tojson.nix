{ lib, ... }:
{
  environment.etc."app/config.json".text = builtins.toJSON { listen = [ "0.0.0.0:80" ]; debug = false; workers = 4; };
}
