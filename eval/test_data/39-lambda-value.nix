{ services.x.f = x: x + 1; }
