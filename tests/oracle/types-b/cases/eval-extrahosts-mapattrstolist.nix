{ lib, ... }:
{
  networking.extraHosts = lib.concatStringsSep "\n" (lib.mapAttrsToList (name: ip: "${ip} ${name}.lan") {
    printer = "10.0.0.3";
    nas = "10.0.0.2";
  });
}
