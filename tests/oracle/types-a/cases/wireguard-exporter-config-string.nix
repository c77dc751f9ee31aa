{ ... }: {
  services.prometheus.exporters.wireguard = {
    enable = true;
    wireguardConfig = "/etc/wireguard/wg0.conf";
  };
}
