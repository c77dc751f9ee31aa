{ ... }:
{
  boot.loader.grub.default = "saved";
}
