# nix-compare
let name = "web"; in { services.nginx.virtualHosts.${name}.root = "/srv/${name}"; }
