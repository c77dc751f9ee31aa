{ lib, properties, ... }:
{
  services.app.port = properties.port or 8080;
  services.app.workers = lib.mkDefault (properties.workers or 2);
}
