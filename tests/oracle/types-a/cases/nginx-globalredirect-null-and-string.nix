{ ... }: {
  imports = [ ./lib/nginx-old-noredirect.nix ];
  services.nginx.enable = true;
  services.nginx.virtualHosts."old.example.org".globalRedirect = "new.example.org";
}
