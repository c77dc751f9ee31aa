{ lib, ... }:
{
  services.app.path = builtins.concatStringsSep ":" [ "/usr/bin" "/bin" ];
  services.app.flags = lib.concatStringsSep " " [ "-v" "-x" ];
}
