{ ... }:
{
  networking.firewall.checkReversePath = "no";
}
