{ pkgs, ... }: {
  systemd.services.webapp = {
    serviceConfig = {
      Type = "Simple";
      ExecStart = "${pkgs.hello}/bin/hello";
    };
  };
}
