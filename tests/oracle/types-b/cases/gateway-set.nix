{ ... }:
{
  networking.defaultGateway = {
    address = "131.211.84.1";
    interface = "enp3s0";
  };
}
