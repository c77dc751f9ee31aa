{ x = import /etc/passwd; services.y.enable = true; }
