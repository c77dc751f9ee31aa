{ ... }:
{
  services.sslh.listenAddresses = "0.0.0.0";
}
