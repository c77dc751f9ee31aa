{ lib, ... }:
{
  systemd.services.app.environment = lib.mapAttrs (_: v: toString v) {
    PORT = 3000;
    DEBUG = false;
    VERBOSE = true;
    ARGS = [ "--fast" "-j" 4 ];
    EMPTY = null;
  };
}
