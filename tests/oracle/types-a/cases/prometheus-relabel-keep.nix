{ ... }: {
  services.prometheus = {
    enable = true;
    scrapeConfigs = [{
      job_name = "node";
      static_configs = [ { targets = [ "localhost:9100" "localhost:9113" ]; } ];
      relabel_configs = [{
        source_labels = [ "__address__" ];
        regex = ".*:9100";
        action = "keep";
      }];
    }];
  };
}
