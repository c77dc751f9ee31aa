{ ... }: {
  services.traefik = {
    enable = true;
    dynamicConfigOptions.http.services.app.weighted = {
      services = [ { name = "v1"; weight = 3; } { name = "v2"; weight = 1; } ];
      sticky = null;
      healthCheck.interval = "10s";
      healthCheck.ratio = 0.75;
    };
  };
}
