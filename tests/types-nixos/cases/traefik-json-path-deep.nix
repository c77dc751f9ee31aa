{ ... }: {
  services.traefik.dynamicConfigOptions.http.services.s.loadBalancer.servers = [ { url = ./srv; } ];
}
