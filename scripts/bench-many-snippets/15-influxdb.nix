# InfluxDB for metrics.
{ ... }:
{
  services.influxdb = {
    enable = true;
    extraConfig = {
      http.bind-address = ":8086";
      data.query-log-enabled = false;
    };
  };
  networking.firewall.allowedTCPPorts = [ 8086 ];
}
