# Varnish caching a backend.
{ ... }:
{
  services.varnish = {
    enable = true;
    http_address = "[::]:6081";
    config = ''
      vcl 4.0;
      backend default {
        .host = "fc00::1:2";
        .port = "80";
      }
    '';
  };
  networking.firewall.allowedTCPPorts = [ 6081 ];
}
