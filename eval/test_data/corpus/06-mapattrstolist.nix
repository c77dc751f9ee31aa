{ lib, ... }:
let env = { LANG = "C.UTF-8"; TZ = "UTC"; }; in {
  systemd.services.app.serviceConfig.Environment = lib.mapAttrsToList (k: v: "${k}=${v}") env;
}
