{ ... }: {
  services.prometheus = {
    enable = true;
    scrapeConfigs = [{
      job_name = "grafana";
      scheme = "HTTPS";
      static_configs = [ { targets = [ "grafana.example.org:443" ]; } ];
    }];
  };
}
