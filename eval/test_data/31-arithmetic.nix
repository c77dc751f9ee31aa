# nix-compare
{ services.x = { a = 1 + 2 * 3; b = 10 / 3; c = 1.5 * 2; d = -4; e = "a" + "b"; }; }
