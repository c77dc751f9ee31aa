{ ... }: {
  services.grafana = { protocol = "https"; certFile = "/var/lib/acme/grafana/cert.pem"; certKey = "/var/lib/acme/grafana/key.pem"; };
}
