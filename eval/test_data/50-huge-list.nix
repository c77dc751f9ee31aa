{ services.x.list = builtins.genList (i: i) 1000000; services.y.enable = true; }
