{ ... }: {
  services.nginx.enable = true;
  services.nginx.mapHashBucketSize = 256;
}
