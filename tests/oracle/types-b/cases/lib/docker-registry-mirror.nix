{ ... }:
{
  virtualisation.docker.extraOptions = "--registry-mirror=https://mirror.gcr.io";
}
