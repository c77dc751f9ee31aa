# nix-compare
let s = { a = 1; }; in { services.x = { a = s.a or 0; b = s.b or 2; }; }
