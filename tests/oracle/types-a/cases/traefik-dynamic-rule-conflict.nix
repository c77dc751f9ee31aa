{ ... }: {
  imports = [ ./lib/traefik-prom-rule.nix ];
  services.traefik = {
    enable = true;
    dynamicConfigOptions.http.routers.prometheus = { rule = "Host(`prom.example.org`)"; service = "prometheus"; };
  };
}
