{ ... }: {
  services.prometheus.exporters.snmp.configuration.default = { version = 3; };
}
