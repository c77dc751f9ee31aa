{ ... }:
{
  networking.proxy.envVars.no_proxy = "localhost,127.0.0.1,.lan";
}
