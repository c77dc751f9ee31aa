{ imports = [ ./lib/part.nix ]; services.main.enable = true; }
