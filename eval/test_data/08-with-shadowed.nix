# nix-compare
let a = "outer"; in with { a = "with"; }; { services.x.a = a; }
