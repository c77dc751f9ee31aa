{ lib, ... }:
let
  admin = [ "wheel" "systemd-journal" ];
  media = [ "video" "audio" "wheel" ];
in
{
  users.users.alice = {
    isNormalUser = true;
    extraGroups = lib.unique (admin ++ media);
  };
}
