{ lib, ... }:
{
  networking.firewall.allowedTCPPorts = lib.range 8000 8003;
}
