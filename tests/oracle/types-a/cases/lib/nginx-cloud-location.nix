{ ... }: {
  services.nginx.virtualHosts."cloud.example.org".locations."/".proxyPass = "http://127.0.0.1:8000";
}
