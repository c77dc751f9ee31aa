{ ... }:
let
  port = 8080;
in
{
  services.nginx.virtualHosts."example.org" = {
    forceSSL = true;
    locations."/api/" = {
      proxyPass = "http://127.0.0.1:${toString port}/";
      extraConfig = ''
        proxy_read_timeout ${toString (5 * 60)}s;
        client_max_body_size 10m;
      '';
    };
  };
}
