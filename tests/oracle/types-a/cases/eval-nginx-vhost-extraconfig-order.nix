{ lib, ... }: {
  imports = [ ./lib/nginx-example-headers.nix ];
  services.nginx.enable = true;
  services.nginx.virtualHosts."example.org".extraConfig = lib.mkBefore "access_log off;";
}
