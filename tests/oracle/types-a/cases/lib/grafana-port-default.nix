{ lib, ... }: { services.grafana.port = lib.mkDefault 3200; }
