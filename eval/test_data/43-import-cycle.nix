{ imports = [ ./lib/cycle-a.nix ]; }
