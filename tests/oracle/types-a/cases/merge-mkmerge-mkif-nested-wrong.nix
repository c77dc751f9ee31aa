{ lib, ... }: {
  services.nginx = {
    enable = true;
    virtualHosts."example.org" = lib.mkMerge [
      { root = "/var/www/example"; }
      (lib.mkIf true (lib.mkMerge [ { forceSSL = "true"; } ]))
    ];
  };
}
