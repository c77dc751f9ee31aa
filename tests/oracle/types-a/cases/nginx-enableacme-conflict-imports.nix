{ ... }: {
  imports = [ ./lib/nginx-cloud-noacme.nix ];
  services.nginx.enable = true;
  services.nginx.virtualHosts."cloud.example.org" = {
    enableACME = true;
    forceSSL = true;
    locations."/".proxyPass = "http://127.0.0.1:8000";
  };
}
