{ ... }: {
  services.nginx.enable = true;
  services.nginx.package = "nginxMainline";
}
