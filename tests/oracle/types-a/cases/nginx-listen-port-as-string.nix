{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."nc.example.org" = {
    listen = [
      { addr = "0.0.0.0"; port = "443"; ssl = true; }
    ];
    locations."/".proxyPass = "http://10.0.0.2:80";
  };
}
