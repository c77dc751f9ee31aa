{ ... }: { services.nginx.mapHashBucketSize = 256; }
