{ lib, ... }: {
  services.nginx = lib.mkMerge [
    { enable = true; recommendedTlsSettings = true; }
    (lib.mkIf false { recommendedTlsSettings = false; })
  ];
}
