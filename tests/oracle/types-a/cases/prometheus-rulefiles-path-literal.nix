{ ... }: {
  services.prometheus = {
    enable = true;
    ruleFiles = [ ./lib/alerts.yml "/etc/prometheus/extra.rules" ];
  };
}
