{ ... }: {
  services.prometheus = {
    enable = true;
    globalConfig = {
      scrape_interval = "15s";
      external_labels = { monitor = "codelab-monitor"; };
    };
  };
}
