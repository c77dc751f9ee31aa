let f = n: f (n + 1); in { services.x.v = f 0; services.y.enable = true; }
