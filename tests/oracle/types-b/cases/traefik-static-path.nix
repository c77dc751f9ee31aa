{ ... }:
{
  services.traefik.staticConfigOptions = {
    providers.file.filename = ./lib/motd.txt;
  };
}
