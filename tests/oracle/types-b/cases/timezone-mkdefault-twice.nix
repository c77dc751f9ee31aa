{ lib, ... }:
{
  imports = [ ./lib/tz-default-gmt.nix ];
  time.timeZone = lib.mkDefault "UTC";
}
