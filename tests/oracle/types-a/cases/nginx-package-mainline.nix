{ pkgs, ... }: {
  services.nginx.enable = true;
  services.nginx.package = pkgs.nginxMainline;
}
