{ lib, pkgs, ... }:
{
  environment.systemPackages = [ pkgs.tmux ] ++ lib.optional true pkgs.iotop ++ lib.optionals false [ pkgs.powertop ];
}
