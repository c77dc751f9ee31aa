{ ... }:
{
  imports = [ ./lib/timeservers-ptb.nix ];
  networking.timeServers = "pool.ntp.org";
}
