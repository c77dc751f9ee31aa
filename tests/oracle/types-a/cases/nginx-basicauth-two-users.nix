{ lib, ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."stats.example.org" = lib.mkMerge [
    { basicAuth.admin = "correct horse"; }
    { basicAuth.grafana = "battery staple"; locations."/".proxyPass = "http://127.0.0.1:19999"; }
  ];
}
