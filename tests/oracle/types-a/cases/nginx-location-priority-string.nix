{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."example.org".locations."/api" = {
    proxyPass = "http://127.0.0.1:8080";
    priority = "100";
  };
}
