{ lib, ... }: {
  systemd.services.app.environment.LOG_LEVEL = lib.mkMerge [
    (lib.mkForce "warn")
    (lib.mkOverride 10 "error")
    "info"
  ];
}
