{ lib, ... }: {
  systemd.services.web.serviceConfig.Restart = lib.mkForce "always";
}
