# nix-compare
let data = import ./lib/data.nix; in { services.x.port = data.port; }
