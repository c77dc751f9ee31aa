# nix-compare
let s = { a.b = 1; }; in { services.x = { has = s ? a.b; missing = s ? c; }; }
