{ lib, ... }:
{
  networking.firewall = lib.mkMerge [
    (lib.mkIf true {
      allowedTCPPorts = lib.mkDefault [ 80 ];
      allowPing = false;
    })
    { allowedTCPPorts = [ 443 ]; }
  ];
}
