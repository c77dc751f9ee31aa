{ lib, ... }: {
  services.grafana = { enable = true; port = lib.mkDefault "3000"; };
}
