{ ... }: {
  services.prometheus = {
    enable = true;
    scrapeConfigs = [{
      job_name = "node";
      scrape_interval = 15;
      static_configs = [ { targets = [ "localhost:9100" ]; } ];
    }];
  };
}
