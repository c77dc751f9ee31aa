{ imports = [ ./cycle-b.nix ]; services.a.enable = true; }
