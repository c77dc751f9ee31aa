{ ... }: { services.grafana.database.connMaxLifetime = 14400; }
