{ ... }: {
  services.nginx.enable = true;
  services.nginx.upstreams.backend.servers = {
    "127.0.0.1:8080" = { };
    "127.0.0.1:8081" = { backup = true; };
  };
}
