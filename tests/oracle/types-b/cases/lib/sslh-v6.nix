{ ... }:
{
  services.sslh.listenAddresses = [ "[::]" ];
}
