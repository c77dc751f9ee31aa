{ lib, ... }:
let
  db = { DATABASE_HOST = "/run/postgresql"; DATABASE_NAME = "app"; };
in {
  systemd.services.app.environment = with lib; {
    inherit (db) DATABASE_HOST DATABASE_NAME;
    LANG = "${toUpper "en"}_${toUpper "us"}.UTF-8";
  };
}
