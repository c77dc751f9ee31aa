{ ... }: { services.ympd.webPort = 8081; }
