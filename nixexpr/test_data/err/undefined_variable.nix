{ lib, ... }:
{
  environment.systemPackages = [ pkgs.htop ];
  users.users.app.uid = lib.mkDefault uid;
}
