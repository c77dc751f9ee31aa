{ ... }: {
  services.traefik = {
    enable = true;
    staticConfigOptions = {
      entryPoints.web.address = ":8080";
      entryPoints.web.transport.respondingTimeouts.idleTimeout = 180;
      api = { insecure = true; };
      log.level = "DEBUG";
    };
  };
}
