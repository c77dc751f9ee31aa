# nix-compare
let enable = true; in { services.x = { inherit enable; }; }
