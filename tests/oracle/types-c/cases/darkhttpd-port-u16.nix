{ ... }: { services.darkhttpd.port = 8080; }
