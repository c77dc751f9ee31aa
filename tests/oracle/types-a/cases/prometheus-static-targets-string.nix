{ ... }: {
  services.prometheus = {
    enable = true;
    scrapeConfigs = [
      {
        job_name = "node";
        static_configs = [ { targets = "localhost:9100"; } ];
      }
    ];
  };
}
