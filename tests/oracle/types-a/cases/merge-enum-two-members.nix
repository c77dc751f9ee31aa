{ ... }: {
  imports = [ ./lib/grafana-https.nix ];
  services.grafana = { enable = true; protocol = "http"; };
}
