{ lib, pkgs, ... }: {
  imports = [ ./lib/webapp-restart-always.nix ];
  systemd.services.webapp.serviceConfig = {
    ExecStart = "${pkgs.hello}/bin/hello";
    Restart = lib.mkForce "on-abnormal";
  };
}
