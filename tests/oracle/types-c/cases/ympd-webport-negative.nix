{ ... }: { services.ympd.webPort = -8080; }
