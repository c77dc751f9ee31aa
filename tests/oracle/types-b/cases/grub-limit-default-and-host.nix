{ lib, ... }:
{
  imports = [ ./lib/srvos-grub-limit.nix ];
  boot.loader.grub.configurationLimit = 20;
}
