{ lib, ... }:
{
  services.nginx.virtualHosts = lib.genAttrs [ "a.example.org" "b.example.org" ] (name: {
    root = "/srv/www/${name}";
    serverAliases = [ "www.${name}" ];
  });
}
