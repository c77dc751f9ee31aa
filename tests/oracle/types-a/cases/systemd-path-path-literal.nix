{ pkgs, ... }: {
  systemd.services.webapp.path = [ pkgs.coreutils ./lib/bin ];
}
