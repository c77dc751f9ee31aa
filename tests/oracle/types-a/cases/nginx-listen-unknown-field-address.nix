{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."hs.example.org" = {
    listen = [ { address = "127.0.0.1"; port = 8080; } ];
  };
}
