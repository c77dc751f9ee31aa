{ ... }:
{
  swapDevices = [
    {
      label = "swap";
      size = "4G";
    }
  ];
}
