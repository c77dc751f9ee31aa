{ lib, ... }: {
  services.nginx.enable = true;
  services.nginx.virtualHosts."old.example.org" = lib.mkMerge [
    { globalRedirect = "new.example.org"; }
    { globalRedirect = "new.example.org"; forceSSL = true; enableACME = true; }
  ];
}
