{ lib, ... }:
let
  trusted = [ "10.0.0.0/8" "192.168.0.0/16" "fd00::/8" ];
in {
  services.nginx.enable = true;
  services.nginx.virtualHosts."admin.example.org".locations."/".extraConfig =
    lib.concatMapStringsSep "\n" (net: "allow ${net};") trusted + "\ndeny all;";
}
