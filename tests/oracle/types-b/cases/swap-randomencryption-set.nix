{ ... }:
{
  swapDevices = [
    {
      label = "swap";
      randomEncryption = {
        enable = true;
        cipher = "aes-xts-plain64";
      };
    }
  ];
}
