{ ... }: {
  services.smartdns.settings = { cache-size = 4.5; };
}
