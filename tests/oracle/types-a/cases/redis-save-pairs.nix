{ ... }: {
  services.redis = { enable = true; save = [ [ 900 1 ] [ 300 10 ] ]; };
}
