{ ... }:
{
  services.nginx = { enable = true; };
  services.nginx.virtualHosts.a.root = "/srv";
  services.nginx = { user = "nginx"; };
}
