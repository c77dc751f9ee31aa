{ pkgs, ... }: {
  systemd.services.webapp.restartTriggers = [ pkgs.hello "config-v2" 3 ];
}
