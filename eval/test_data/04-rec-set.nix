# nix-compare
rec { a = 1; b = a + 1; services.x.n = b * 10; }
