{ lib, ... }:
{
  systemd.services.app.environment = {
    EXTRA_PATH = lib.concatStringsSep ":" [ "/opt/app/bin" "/srv/tools/bin" ];
    NAMES = lib.concatMapStringsSep "," lib.toUpper [ "eu" "us" "ap" ];
  };
}
