{ lib, ... }:
let textfile = true; wifi = false; in {
  services.prometheus.exporters.node = {
    enable = true;
    enabledCollectors = [ "systemd" ] ++ lib.optional wifi "wifi" ++ lib.optionals textfile [ "textfile" "processes" ];
    extraFlags = lib.optional textfile "--collector.textfile.directory=/var/lib/node-exporter";
  };
}
