# memcached for sessions.
{ ... }:
{
  services.memcached = {
    enable = true;
    listen = "::";
    maxMemory = 512;
    maxConnections = 2048;
  };
  networking.firewall.allowedTCPPorts = [ 11211 ];
}
