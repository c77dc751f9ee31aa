# nix-compare
{ services.x = { a = 1 < 2; b = "a" == "a"; c = [ 1 2 ] == [ 1 2 ]; d = { x = 1; } != { x = 2; }; e = !true || false; f = true -> false; }; }
