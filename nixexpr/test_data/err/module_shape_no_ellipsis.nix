{ pkgs }:
{
  environment.systemPackages = [ pkgs.htop ];
}
