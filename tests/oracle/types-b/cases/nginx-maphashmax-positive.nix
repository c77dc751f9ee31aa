{ ... }:
{
  services.nginx.mapHashMaxSize = 2048;
}
