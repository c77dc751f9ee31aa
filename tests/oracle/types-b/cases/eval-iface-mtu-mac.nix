{ ... }:
{
  networking.interfaces.enp3s0 = {
    mtu = 9000;
    macAddress = "52:54:00:12:34:56";
  };
}
