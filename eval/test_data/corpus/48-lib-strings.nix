{ lib, ... }:
{
  services.app.joined = lib.strings.concatStringsSep "/" [ "var" "lib" "app" ];
  services.app.isTls = lib.strings.hasPrefix "https" "https://x";
}
