{ ... }: {
  services.prometheus = {
    enable = true;
    scrapeConfigs = [{
      job_name = "node";
      scrapeInterval = "15s";
      static_configs = [ { targets = [ "localhost:9100" ]; } ];
    }];
  };
}
