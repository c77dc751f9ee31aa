{ ... }: { services.nginx.mapHashBucketSize = "64"; }
