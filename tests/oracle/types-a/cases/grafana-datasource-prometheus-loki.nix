{ ... }: {
  services.grafana = {
    enable = true;
    provision = {
      enable = true;
      datasources = [
        { name = "Prometheus"; type = "prometheus"; url = "http://localhost:9090"; isDefault = true; }
        { name = "Loki"; type = "loki"; url = "http://localhost:3100"; orgId = 1; }
      ];
    };
  };
}
