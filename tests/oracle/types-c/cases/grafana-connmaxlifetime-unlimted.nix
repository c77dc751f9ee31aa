{ ... }: { services.grafana.database.connMaxLifetime = "unlimted"; }
