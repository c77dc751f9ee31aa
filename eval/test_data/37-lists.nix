# nix-compare
{ services.x.list = [ 1 "two" { three = 3; } [ 4 ] null true ]; }
