{ services.x.src = builtins.fetchurl "https://example.org/x"; services.y.enable = true; }
