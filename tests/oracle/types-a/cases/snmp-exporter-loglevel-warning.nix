{ ... }: {
  services.prometheus.exporters.snmp = {
    enable = true;
    configurationPath = "/etc/snmp_exporter/snmp.yml";
    logLevel = "warning";
  };
}
