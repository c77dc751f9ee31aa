{ pkgs, ... }: {
  systemd.services.webapp = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      ExecStart = "${pkgs.python3}/bin/python3 -m http.server 8000";
      Restart = "yes";
    };
  };
}
