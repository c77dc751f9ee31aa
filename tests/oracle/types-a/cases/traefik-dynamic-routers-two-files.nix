{ ... }: {
  imports = [ ./lib/traefik-grafana.nix ];
  services.traefik = {
    enable = true;
    dynamicConfigOptions.http = {
      routers.prometheus = { rule = "Host(`prom.example.org`)"; service = "prometheus"; };
      services.prometheus.loadBalancer.servers = [ { url = "http://127.0.0.1:9090"; } ];
    };
  };
}
