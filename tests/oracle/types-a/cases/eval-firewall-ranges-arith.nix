{ ... }:
let base = 60000; width = 10; in {
  networking.firewall.allowedUDPPortRanges = [
    { from = base; to = base + width * 100; }
    { from = 10000; to = 10000 + 2 * width; }
  ];
}
