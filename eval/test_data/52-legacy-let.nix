# nix-compare
{ services.x.v = let { a = 2; body = a * 21; }; }
