{ pkgs, ... }:
{
  services.nginx.enable = true
  services.nginx.user = "www";
}
