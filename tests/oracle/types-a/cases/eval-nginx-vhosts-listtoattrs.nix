{ lib, ... }:
let
  sites = [ "blog" "wiki" ];
in {
  services.nginx.enable = true;
  services.nginx.virtualHosts = lib.listToAttrs (map (s: lib.nameValuePair "${s}.example.org" {
    serverAliases = [ "www.${s}.example.org" ];
    root = "/var/www/${s}";
  }) sites);
}
