# nix-compare
let s = { a = 1; b = s.a + 1; }; in { services.x.b = s.b; }
