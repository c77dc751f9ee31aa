{ ... }:
{
  boot.loader.grub.splashImage = "https://nixos.org/logo/nixos-hires.png";
}
