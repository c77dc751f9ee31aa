{ ... }: {
  services.traefik.dynamicConfigOptions.http.routers.prometheus.rule = "PathPrefix(`/prometheus`)";
}
