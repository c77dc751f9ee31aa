{ pkgs, ... }: {
  systemd.services.webapp = {
    wantedBy = [ "multi-user.target" ];
    after = [ "network.target" ];
    serviceConfig = {
      Type = "simple";
      ExecStart = "${pkgs.python3}/bin/python3 -m http.server 8000";
      Restart = "on-failure";
      RestartSec = 5;
      DynamicUser = true;
    };
  };
}
