# The Prometheus node exporter with a few collectors.
{ ... }:
{
  services.prometheus.exporters.node = {
    enable = true;
    enabledCollectors = [ "systemd" "processes" ];
    port = 9100;
    openFirewall = true;
  };
}
