{ ... }:
{
  boot.loader.grub.default = 1.0;
}
