{ ... }: { services.traefik.staticConfigOptions = { entryPoints.web.address = ":80"; entryPoints.websecure.address = ":443"; api.dashboard = true; log.level = "DEBUG"; }; }
