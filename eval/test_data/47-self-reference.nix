let x = x; in { services.x.v = x; services.y.enable = true; }
