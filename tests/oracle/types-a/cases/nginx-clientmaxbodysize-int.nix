{ ... }: {
  services.nginx.enable = true;
  services.nginx.clientMaxBodySize = 512;
}
