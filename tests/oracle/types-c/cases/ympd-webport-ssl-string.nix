{ ... }: { services.ympd.webPort = "ssl://8080:/path/to/ssl-private-key.pem"; }
