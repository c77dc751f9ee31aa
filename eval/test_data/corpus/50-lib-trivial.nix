{ lib, ... }:
{
  services.app.flag = lib.trivial.boolToString true;
}
