{ ... }: {
  services.nginx.enable = true;
  services.nginx.mapHashMaxSize = 0;
}
