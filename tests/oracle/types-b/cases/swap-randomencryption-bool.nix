{ ... }:
{
  swapDevices = [
    {
      label = "swap";
      randomEncryption = true;
    }
  ];
}
