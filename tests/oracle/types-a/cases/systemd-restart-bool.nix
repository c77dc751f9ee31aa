{ pkgs, ... }: {
  systemd.services.webapp.serviceConfig = {
    ExecStart = "${pkgs.hello}/bin/hello";
    Restart = true;
  };
}
