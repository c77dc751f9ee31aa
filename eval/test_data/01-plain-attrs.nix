# nix-compare
{ services.nginx.enable = true; services.nginx.user = "www"; }
