{ lib, ... }:
{
  imports = [ { services.app.settings.port = 9000; } ];
  services.app.settings = lib.mkDefault { port = 8000; host = "0.0.0.0"; };
}
