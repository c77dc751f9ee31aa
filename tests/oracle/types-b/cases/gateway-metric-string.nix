{ ... }:
{
  networking.defaultGateway = {
    address = "192.168.1.1";
    interface = "enp3s0";
    metric = "100";
  };
}
