{ ... }: {
  services.traefik.dynamicConfigOptions.http = {
    routers.grafana = { rule = "Host(`grafana.example.org`)"; service = "grafana"; };
    services.prometheus.loadBalancer.servers = [ { url = "http://127.0.0.1:9091"; } ];
  };
}
