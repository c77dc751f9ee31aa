{ ... }: {
  services.prometheus = {
    enable = true;
    alertmanagers = [ "localhost:9093" ];
  };
}
