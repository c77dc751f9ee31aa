{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."stats.example.org" = {
    basicAuth = { admin = 482913; };
    locations."/".proxyPass = "http://127.0.0.1:19999";
  };
}
