{ ... }:
{
  services.traefik.staticConfigOptions = {
    entryPoints.web.address = ":80";
    certificatesResolvers.le.acme.email = x: "admin@${x}";
  };
}
