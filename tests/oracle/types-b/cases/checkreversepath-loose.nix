{ ... }:
{
  networking.firewall.checkReversePath = "loose";
}
