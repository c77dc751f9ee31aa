{ ... }: {
  imports = [ ./lib/node-exporter-extra.nix ];
  services.prometheus.exporters.node = {
    enable = true;
    enabledCollectors = [ "systemd" ];
    disabledCollectors = [ "timex" ];
  };
}
