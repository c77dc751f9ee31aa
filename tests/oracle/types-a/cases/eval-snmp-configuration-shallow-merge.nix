{ ... }: {
  imports = [ ./lib/snmp-default-v3.nix ];
  services.prometheus.exporters.snmp = {
    enable = true;
    configuration = {
      default = { version = 2; auth.community = "public"; };
      if_mib = { walk = [ "ifTable" ]; };
    };
  };
}
