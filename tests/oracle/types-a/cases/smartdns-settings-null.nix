{ ... }: {
  services.smartdns = { enable = true; settings = { cache-size = 4096; speed-check-mode = null; }; };
}
