{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."www.xfix.example" = {
    enableACME = true;
    forceSSL = true;
    root = ./lib/www;
  };
}
