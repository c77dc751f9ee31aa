{ ... }: {
  services.grafana = { enable = true; addr = "127.0.0.1"; port = "3000"; };
}
