{ ... }: {
  services.prometheus = {
    enable = true;
    alertmanagers = [{
      scheme = "https";
      path_prefix = "/alertmanager";
      static_configs = [ { targets = [ "prometheus.domain.tld" ]; } ];
    }];
  };
}
