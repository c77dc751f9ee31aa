{ lib, ... }:
{
  services.app.environment.MODE = lib.toUpper "production";
  services.app.environment.region = lib.toLower "EU-West";
}
