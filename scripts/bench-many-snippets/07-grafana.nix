# Grafana with Prometheus as its data source.
{ ... }:
{
  services.grafana = {
    enable = true;
    addr = "::";
    port = 3000;
    provision = {
      enable = true;
      datasources = [
        { name = "prometheus"; type = "prometheus"; url = "http://[fc00::6:2]:9090"; isDefault = true; }
      ];
    };
  };
  networking.firewall.allowedTCPPorts = [ 3000 ];
}
