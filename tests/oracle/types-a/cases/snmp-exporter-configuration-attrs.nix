{ ... }: {
  services.prometheus.exporters.snmp = {
    enable = true;
    configuration = {
      "default" = {
        "version" = 2;
        "auth" = { "community" = "public"; };
      };
    };
  };
}
