{ ... }: {
  services.smartdns = {
    enable = true;
    settings = {
      bind = ":5353 -no-rule -group example";
      cache-size = 4096;
      server-tls = [ "8.8.8.8:853" "1.1.1.1:853" ];
      server-https = "https://cloudflare-dns.com/dns-query -exclude-default-group";
      prefetch-domain = true;
      speed-check-mode = "ping,tcp:80";
    };
  };
}
