{ lib, pkgs, ... }:
let production = true; in {
  systemd.services.webapp.serviceConfig = {
    ExecStart = "${pkgs.hello}/bin/hello";
    Restart = lib.mkIf production "always";
  };
}
