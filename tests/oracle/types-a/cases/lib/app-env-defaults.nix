{ lib, ... }: {
  systemd.services.app.environment = {
    LOG_LEVEL = lib.mkDefault "info";
    TZ = lib.mkDefault "UTC";
  };
}
