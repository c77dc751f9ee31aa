{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."example.org".locations."= /robots.txt" = {
    return = "200 \"User-agent: *\\nDisallow: /\\n\"";
    priority = -10;
  };
}
