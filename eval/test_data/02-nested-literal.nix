# nix-compare
{ services.nginx = { enable = true; virtualHosts.default.root = "/srv"; }; }
