{ ... }:
{
  networking.firewall.allowPing = true;
}
