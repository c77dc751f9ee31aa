{ ... }: {
  services.grafana = {
    enable = true;
    database.connMaxLifetime = 14400;
  };
}
