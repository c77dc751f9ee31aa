# nix-compare
{ services.x.settings = { }; services.y = { }; }
