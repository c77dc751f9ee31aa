{ ... }: { services.grafana = { enable = true; port = 3001; addr = "0.0.0.0"; domain = "grafana.example.org"; }; }
