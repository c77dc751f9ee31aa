{ ... }: { services.traefik.staticConfigOptions = { entryPoints.web.address = x: ":80"; }; }
