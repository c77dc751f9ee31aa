{ lib, ... }:
{
  boot.loader.grub.configurationLimit = lib.mkDefault 5;
}
