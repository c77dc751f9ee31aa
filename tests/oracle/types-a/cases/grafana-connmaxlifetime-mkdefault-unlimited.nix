{ lib, ... }: {
  services.grafana = {
    enable = true;
    database.connMaxLifetime = lib.mkMerge [ (lib.mkDefault "unlimited") 3600 ];
  };
}
