{ ... }:
{
  imports = [ ./lib/sslh-v6.nix ];
  services.sslh.listenAddresses = "0.0.0.0";
}
