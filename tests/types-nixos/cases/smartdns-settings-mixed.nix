{ ... }: {
  services.smartdns.settings = { bind = ":5353"; cache-size = 4096; server = [ "1.1.1.1" "8.8.8.8" ]; };
}
