{ ... }:
{
  services.cfssl.logLevel = 6;
}
