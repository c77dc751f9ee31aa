{ lib, ... }: {
  imports = [ ./lib/nginx-cloud-location.nix ];
  services.nginx.enable = true;
  services.nginx.virtualHosts."cloud.example.org".locations."/".proxyPass = lib.mkForce "http://unix:/run/nextcloud.sock";
}
