{ ... }: {
  services.redis = { enable = true; databases = "32"; };
}
