{ ... }: {
  services.prometheus.exporters.node.enabledCollectors = [ "logind" "processes" ];
}
