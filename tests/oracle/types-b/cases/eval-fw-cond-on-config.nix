{ config, lib, ... }:
{
  networking.hostName = "web";
  networking.firewall.allowedTCPPorts = lib.mkMerge [
    (lib.mkIf (config.networking.hostName == "web") [ 80 443 ])
    (lib.mkIf (config.networking.hostName == "db") [ 5432 ])
  ];
}
