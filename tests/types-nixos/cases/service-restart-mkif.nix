{ lib, ... }: {
  systemd.services.web.serviceConfig.Restart = lib.mkIf true "always";
}
