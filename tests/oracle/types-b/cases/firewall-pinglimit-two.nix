{ lib, ... }:
{
  networking.firewall.pingLimit = lib.mkMerge [ "--limit 1/minute" "--limit-burst 5" ];
}
