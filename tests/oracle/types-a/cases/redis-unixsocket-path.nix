{ ... }: {
  services.redis = { enable = true; unixSocket = "/run/redis/redis.sock"; bind = "127.0.0.1"; };
}
