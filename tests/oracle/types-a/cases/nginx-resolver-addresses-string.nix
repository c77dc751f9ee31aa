{ ... }: {
  services.nginx.enable = true;
  services.nginx.resolver.addresses = "127.0.0.1:5353";
}
