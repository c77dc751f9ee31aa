{ lib, ... }:
with lib;
{
  services.redis.servers = genAttrs [ "cache" "queue" ] (n: { enable = true; port = if n == "cache" then 6379 else 6380; });
}
