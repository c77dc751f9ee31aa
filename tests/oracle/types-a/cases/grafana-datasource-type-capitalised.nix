{ ... }: {
  services.grafana = {
    enable = true;
    provision = {
      enable = true;
      datasources = [{
        name = "Prometheus";
        type = "Prometheus";
        url = "http://localhost:9090";
        isDefault = true;
      }];
    };
  };
}
