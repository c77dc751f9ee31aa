{ ... }:
{
  imports = [ ./lib/pinglimit-null.nix ];
  networking.firewall.pingLimit = "--limit 1/minute --limit-burst 5";
}
