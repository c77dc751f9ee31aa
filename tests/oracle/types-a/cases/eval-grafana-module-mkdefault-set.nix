{ lib, ... }: {
  services.grafana = lib.mkMerge [
    (lib.mkDefault { enable = true; addr = "0.0.0.0"; port = 3000; domain = "grafana.example.org"; })
    { port = 3001; }
  ];
}
