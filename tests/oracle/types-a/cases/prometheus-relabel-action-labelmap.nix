{ ... }: {
  services.prometheus = {
    enable = true;
    scrapeConfigs = [{
      job_name = "consul";
      static_configs = [ { targets = [ "localhost:8500" ]; } ];
      relabel_configs = [{
        action = "labelmap";
        regex = "__meta_consul_(.+)";
      }];
    }];
  };
}
