{ lib, ... }: {
  services.grafana = {
    enable = true;
    database.connMaxLifetime = lib.mkMerge [ "unlimited" 3600 ];
  };
}
