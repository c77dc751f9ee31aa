# nix-compare
let prod = true; in { services.x.replicas = if prod then 3 else 1; }
