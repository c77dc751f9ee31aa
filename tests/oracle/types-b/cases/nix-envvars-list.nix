{ ... }:
{
  nix.envVars = [ "http_proxy=http://proxy.lan:3128" ];
}
