{ ... }:
{
  services.traefik.staticConfigOptions = {
    entryPoints = {
      web.address = ":80";
      websecure.address = ":443";
    };
    api.dashboard = true;
    log.level = "INFO";
    providers.docker.exposedByDefault = false;
    serversTransport.maxIdleConnsPerHost = 42;
    accessLog.filters.statusCodes = [ "400-499" "500-599" ];
  };
}
