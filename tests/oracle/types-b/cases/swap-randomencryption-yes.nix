{ ... }:
{
  swapDevices = [
    {
      label = "swap";
      randomEncryption = "yes";
    }
  ];
}
