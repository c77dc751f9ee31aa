{ ... }:
let base = 9100; offset = 2; in {
  services.prometheus.exporters.node = {
    enable = true;
    port = base + offset * 1;
    listenAddress = "127.0.0.1";
  };
}
