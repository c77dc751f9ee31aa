{ ... }: { services.gotify = { enable = true; port = 65536; }; }
