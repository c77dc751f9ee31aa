{ environment.etc.x.text = builtins.readFile ./lib/data.nix; services.y.enable = true; }
