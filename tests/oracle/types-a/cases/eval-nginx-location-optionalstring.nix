{ lib, ... }:
let
  autoindex = true;
  limitRate = false;
in {
  services.nginx.enable = true;
  services.nginx.virtualHosts."files.example.org".locations."/".extraConfig = lib.optionalString autoindex ''
    autoindex on;
  '' + lib.optionalString limitRate ''
    limit_rate 1m;
  '' + "charset utf-8;";
}
