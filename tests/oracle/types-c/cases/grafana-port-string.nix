{ ... }: { services.grafana.port = "3000"; }
