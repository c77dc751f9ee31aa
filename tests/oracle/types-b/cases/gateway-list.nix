{ ... }:
{
  networking.defaultGateway6 = [ "fe80::1" ];
}
