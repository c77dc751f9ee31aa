{ pkgs, ... }: {
  systemd.services.webapp.serviceConfig.ExecStartPre = [ "${pkgs.coreutils}/bin/true" ];
}
