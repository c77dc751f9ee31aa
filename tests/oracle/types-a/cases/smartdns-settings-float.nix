{ ... }: {
  services.smartdns = { enable = true; settings = { rr-ttl-min = 60; serve-expired-ttl = 0.5; }; };
}
