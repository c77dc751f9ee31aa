{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."xfix.example" = {
    serverAliases = "www.xfix.example";
    root = "/var/www/xfix";
  };
}
