{ ... }: {
  services.traefik = {
    enable = true;
    dynamicConfigOptions = {
      http.routers.router1 = {
        rule = "Host(`localhost`)";
        service = "service1";
      };
      http.services.service1.loadBalancer.servers = [ { url = "http://localhost:8080"; } ];
    };
  };
}
