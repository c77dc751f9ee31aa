{ ... }: {
  services.nginx.virtualHosts."old.example.org".globalRedirect = null;
}
