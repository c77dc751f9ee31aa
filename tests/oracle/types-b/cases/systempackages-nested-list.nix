{ pkgs, ... }:
{
  environment.systemPackages = [ pkgs.git [ pkgs.tmux pkgs.htop ] ];
}
