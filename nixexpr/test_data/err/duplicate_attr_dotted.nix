{ ... }:
{
  services.nginx.enable = true;
  services.nginx.enable = false;
}
