# nix-compare
let port = 8080; host = "::"; in { services.x.port = port; services.x.listen = "${host}:${toString port}"; }
