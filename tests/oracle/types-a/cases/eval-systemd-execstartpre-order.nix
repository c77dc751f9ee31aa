{ lib, ... }: {
  imports = [ ./lib/web-execstartpre-mkdir.nix ];
  systemd.services.web.serviceConfig.ExecStartPre = [ "/run/current-system/sw/bin/true" ];
}
