{ lib, ... }:
let
  backends = { "grafana.example.org" = 3000; "prom.example.org" = 9090; };
in {
  services.nginx.enable = true;
  services.nginx.virtualHosts = lib.mapAttrs (host: port: {
    forceSSL = true;
    enableACME = true;
    locations."/".proxyPass = "http://127.0.0.1:${toString port}";
  }) backends;
}
