{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."nc.example.org" = {
    listen = [
      { addr = "0.0.0.0"; port = 8443; ssl = true; extraParameters = [ "reuseport" ]; }
      { addr = "[::]"; port = 8443; ssl = true; extraParameters = [ "reuseport" "deferred" ]; }
    ];
  };
}
