{ pkgs, ... }: {
  systemd.services.webapp.path = [ pkgs.git pkgs.openssh "/run/wrappers" ];
}
