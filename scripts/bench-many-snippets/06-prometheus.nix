# A Prometheus server scraping two targets.
{ ... }:
{
  services.prometheus = {
    enable = true;
    listenAddress = "[::]:9090";
    globalConfig.scrape_interval = "30s";
    scrapeConfigs = [
      { job_name = "node"; static_configs = [ { targets = [ "[fc00::1:2]:9100" ]; } ]; }
      { job_name = "self"; static_configs = [ { targets = [ "localhost:9090" ]; } ]; }
    ];
  };
  networking.firewall.allowedTCPPorts = [ 9090 ];
}
