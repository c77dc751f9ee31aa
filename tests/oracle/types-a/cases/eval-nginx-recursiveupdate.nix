{ lib, ... }:
let
  base = {
    forceSSL = true;
    locations."/" = { proxyPass = "http://127.0.0.1:8000"; extraConfig = "proxy_read_timeout 60s;"; };
  };
in {
  services.nginx.enable = true;
  services.nginx.virtualHosts."shop.example.org" = lib.recursiveUpdate base {
    locations."/".proxyPass = "http://127.0.0.1:8001";
    locations."/static/".alias = "/var/www/shop/static/";
  };
}
