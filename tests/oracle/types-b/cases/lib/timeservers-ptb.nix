{ ... }:
{
  networking.timeServers = [ "ptbtime1.ptb.de" ];
}
