{ ... }: { services.darkhttpd.port = -80; }
