{ lib, config, ... }:
lib.mkMerge [
  { services.redis.servers.a.enable = true; }
  (lib.mkIf config.services.redis.servers.a.enable { services.redis.servers.a.port = 6380; })
]
