{ ... }:
{
  boot.loader.grub.splashImage = null;
}
