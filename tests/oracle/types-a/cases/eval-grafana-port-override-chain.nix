{ lib, ... }: {
  imports = [ ./lib/grafana-port-1500.nix ./lib/grafana-port-default.nix ];
  services.grafana = { enable = true; port = lib.mkOverride 900 3300; };
}
