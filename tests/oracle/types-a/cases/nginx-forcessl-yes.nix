{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."hydra.example.com" = {
    forceSSL = "yes";
    enableACME = true;
    locations."/".proxyPass = "http://localhost:3000";
  };
}
