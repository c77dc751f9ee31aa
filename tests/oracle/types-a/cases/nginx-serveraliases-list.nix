{ ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."xfix.example" = {
    serverAliases = [ "www.xfix.example" "xfix.example.net" ];
    root = "/var/www/xfix";
  };
}
