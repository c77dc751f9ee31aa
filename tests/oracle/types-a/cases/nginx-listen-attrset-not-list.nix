{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."hs.example.org" = {
    listen = { addr = "127.0.0.1"; port = 8080; };
  };
}
