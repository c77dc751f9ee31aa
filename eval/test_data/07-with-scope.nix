# nix-compare
let cfg = { a = 1; b = "two"; }; in with cfg; { services.x.a = a; services.x.b = b; }
