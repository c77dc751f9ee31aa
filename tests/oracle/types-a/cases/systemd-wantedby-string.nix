{ pkgs, ... }: {
  systemd.services.webapp = {
    wantedBy = "multi-user.target";
    serviceConfig.ExecStart = "${pkgs.hello}/bin/hello";
  };
}
