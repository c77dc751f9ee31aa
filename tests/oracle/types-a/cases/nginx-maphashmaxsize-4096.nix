{ ... }: {
  services.nginx.enable = true;
  services.nginx.mapHashMaxSize = 4096;
}
