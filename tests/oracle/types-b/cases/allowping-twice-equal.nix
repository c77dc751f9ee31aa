{ ... }:
{
  imports = [ ./lib/allow-ping.nix ];
  networking.firewall.allowPing = true;
}
