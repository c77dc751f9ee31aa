{ ... }:
{
  services.sslh.listenAddresses = 443;
}
