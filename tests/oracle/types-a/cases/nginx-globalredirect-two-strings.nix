{ lib, ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."old.example.org" = lib.mkMerge [
    { globalRedirect = "new.example.org"; }
    { globalRedirect = "www.new.example.org"; }
  ];
}
