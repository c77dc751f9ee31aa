{ lib, ... }:
{
  time.timeZone = lib.mkDefault "GMT";
}
