{ ... }: {
  imports = [ ./lib/nginx-cloud-default-noacme.nix ];
  services.nginx.enable = true;
  services.nginx.virtualHosts."cloud.example.org" = {
    enableACME = true;
    forceSSL = true;
  };
}
