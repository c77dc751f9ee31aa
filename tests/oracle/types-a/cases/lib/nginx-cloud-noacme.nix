{ ... }: {
  services.nginx.virtualHosts."cloud.example.org".enableACME = false;
}
