{ ... }:
{
  services.cfssl.logLevel = "2";
}
