# nix-compare
let defaults = { port = 80; user = "nobody"; }; in { services.x = { inherit (defaults) port user; }; }
