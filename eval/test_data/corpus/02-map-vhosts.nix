{ lib, ... }:
let sites = [ "a.example" "b.example" ]; in {
  services.nginx.virtualHosts = lib.genAttrs sites (name: { root = "/srv/${name}"; forceSSL = false; });
}
