{ ... }:
{
  imports = [ ./lib/timeservers-ptb.nix ];
  networking.timeServers = [ "0.de.pool.ntp.org" "1.de.pool.ntp.org" ];
}
