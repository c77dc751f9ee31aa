{ ... }: {
  services.traefik.dynamicConfigOptions.http.routers.r = { rule = "Host(`a`)"; middlewares = [ "m1" "m2" ]; priority = 10; tls = { }; };
}
