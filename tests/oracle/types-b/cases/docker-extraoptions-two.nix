{ ... }:
{
  imports = [ ./lib/docker-registry-mirror.nix ];
  virtualisation.docker = {
    enable = true;
    extraOptions = "--default-ulimit nofile=65536:65536";
  };
}
