{ ... }: {
  imports = [ ./lib/firewall-ping-burst.nix ];
  networking.firewall.pingLimit = "--limit 1/minute";
}
