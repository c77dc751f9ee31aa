{ ... }:
{
  networking.firewall.allowedUDPPortRanges = map (p: { from = p; to = p + 999; }) [ 60000 62000 ];
}
