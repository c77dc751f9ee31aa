{ lib, ... }:
let
  defaults = { server = { port = 3000; host = "127.0.0.1"; }; log.level = "info"; };
in {
  services.grafana.settings = lib.recursiveUpdate defaults { server.port = 3001; };
}
