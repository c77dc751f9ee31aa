{ services.nginx.enable = true; } // { services.nginx.user = "nginx"; }
