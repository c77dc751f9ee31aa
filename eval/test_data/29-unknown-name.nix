{ config, ... }: { services.nginx.virtualHosts.${config.networking.hostName}.root = "/srv"; }
