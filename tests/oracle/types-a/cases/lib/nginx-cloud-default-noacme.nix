{ lib, ... }: {
  services.nginx.virtualHosts."cloud.example.org".enableACME = lib.mkDefault false;
}
