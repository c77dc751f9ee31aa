{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."nixie.example.org" = {
    forceSSL = true;
    enableACME = true;
    locations."/".proxyPass = [ "http://192.168.7.102:3000/" ];
  };
}
