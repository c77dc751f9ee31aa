{ lib, ... }:
{
  services.postgresql = lib.modules.mkIf false { enable = true; };
  services.redis.servers.main.enable = true;
}
