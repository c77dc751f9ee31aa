{ ... }:
{
  virtualisation.docker.extraOptions = [ "--ipv6" "--fixed-cidr-v6=fd00::/80" ];
}
