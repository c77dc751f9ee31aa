# Settings every service container shares.
{ lib, ... }:
{
  time.timeZone = lib.mkDefault "UTC";
  services.journald.extraConfig = ''
    SystemMaxUse=64M
  '';
  documentation.enable = false;
  environment.defaultPackages = lib.mkForce [ ];
}
