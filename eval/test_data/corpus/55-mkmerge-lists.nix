{ lib, ... }:
{
  services.app = lib.mkMerge [
    { enable = true; }
    (lib.mkIf true { port = 80; })
    (lib.mkIf false { port = 81; })
  ];
}
