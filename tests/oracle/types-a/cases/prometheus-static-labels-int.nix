{ ... }: {
  services.prometheus = {
    enable = true;
    scrapeConfigs = [{
      job_name = "node";
      static_configs = [ { targets = [ "10.0.0.7:9100" ]; labels = { rack = 3; dc = "fra1"; }; } ];
    }];
  };
}
