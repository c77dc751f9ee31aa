{ ... }:
{
  networking.firewall.pingLimit = null;
}
