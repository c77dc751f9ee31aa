{ imports = [ ./cycle-a.nix ]; services.b.enable = true; }
