{ ... }:
{
  networking.firewall.enable = "yes";
}
