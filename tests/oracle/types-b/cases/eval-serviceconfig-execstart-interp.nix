{ lib, ... }:
let
  port = 9100;
  collectors = [ "systemd" "processes" ];
in
{
  systemd.services.exporter = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.ExecStart = "/run/current-system/sw/bin/node_exporter --web.listen-address=:${toString port} "
      + lib.concatMapStringsSep " " (c: "--collector.${c}") collectors;
  };
}
