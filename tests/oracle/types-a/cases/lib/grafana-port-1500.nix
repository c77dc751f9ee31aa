{ lib, ... }: { services.grafana.port = lib.mkOverride 1500 3100; }
