{ pkgs, ... }: {
  imports = [ ./lib/webapp-execstartpre.nix ];
  systemd.services.webapp.serviceConfig = {
    ExecStart = "${pkgs.hello}/bin/hello";
    ExecStartPre = [ "${pkgs.coreutils}/bin/mkdir -p /var/lib/webapp/cache" ];
  };
}
