{ ... }:
{
  imports = [ ./lib/proxy-no-proxy.nix ];
  networking.proxy.envVars = {
    http_proxy = "http://proxy.lan:3128";
    https_proxy = "http://proxy.lan:3128";
  };
}
