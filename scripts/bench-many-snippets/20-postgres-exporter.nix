# PostgreSQL with its Prometheus exporter.
{ ... }:
{
  services.postgresql.enable = true;
  services.prometheus.exporters.postgres = {
    enable = true;
    runAsLocalSuperUser = true;
    port = 9187;
    openFirewall = true;
  };
}
