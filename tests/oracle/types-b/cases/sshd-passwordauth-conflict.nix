{ lib, ... }:
{
  services.openssh = lib.mkMerge [
    { enable = true; passwordAuthentication = false; }
    { passwordAuthentication = true; }
  ];
}
