{ ... }:
{
  networking.firewall.allowedTCPPorts = [ 80 443 "8000:8010" ];
}
