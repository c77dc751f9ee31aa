# A Redis cache: no persistence, bounded memory.
{ ... }:
{
  services.redis = {
    enable = true;
    bind = "::";
    port = 6379;
    save = [ ];
    extraConfig = ''
      maxmemory 256mb
      maxmemory-policy allkeys-lru
    '';
  };
  networking.firewall.allowedTCPPorts = [ 6379 ];
}
