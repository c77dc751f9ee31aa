{ lib, ... }:
{
  time.timeZone = lib.mkDefault "UTC";
  documentation.enable = false;
}
