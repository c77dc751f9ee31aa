{ pkgs, ... }:
{
  systemd.services.web.path = [ pkgs.git "/run/wrappers" ];
}
