{ ... }:
{
  services.nginx.mapHashMaxSize = 0;
}
