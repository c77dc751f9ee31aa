{ lib, ... }:
{
  imports = [ ./common/base.nix ];
  time.timeZone = "Europe/Paris";
}
