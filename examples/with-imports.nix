# A snippet split over files: the build cache follows the import, so editing
# common/base.nix rebuilds this container.
{ lib, ... }:
{
  imports = [ ./common/base.nix ];

  services.redis.servers.cache = {
    enable = true;
    port = 6379;
    bind = null;
    settings.maxmemory = "128mb";
  };
  networking.firewall.allowedTCPPorts = lib.mkAfter [ 6379 ];
}
