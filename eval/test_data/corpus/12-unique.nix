{ lib, ... }:
{
  users.users.app.extraGroups = lib.unique [ "wheel" "audio" "wheel" ];
  users.users.app.isSystemUser = true;
  users.users.app.group = "app";
}
