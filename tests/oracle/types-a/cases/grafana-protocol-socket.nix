{ ... }: {
  services.grafana = { enable = true; protocol = "socket"; };
}
