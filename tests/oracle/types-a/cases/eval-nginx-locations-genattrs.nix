{ lib, ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."api.example.org".locations = lib.genAttrs [ "/api" "/ws" ] (path: {
    proxyPass = "http://127.0.0.1:8080${path}";
    proxyWebsockets = path == "/ws";
  });
}
