{ ... }: {
  services.nginx.virtualHosts."example.org".extraConfig = ''
    add_header X-Frame-Options DENY;
    add_header X-Content-Type-Options nosniff;
  '';
}
