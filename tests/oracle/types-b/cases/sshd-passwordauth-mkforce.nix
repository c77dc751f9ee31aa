{ lib, ... }:
{
  services.openssh = lib.mkMerge [
    { enable = true; passwordAuthentication = true; }
    { passwordAuthentication = lib.mkForce false; }
  ];
}
