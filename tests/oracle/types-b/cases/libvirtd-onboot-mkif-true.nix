{ lib, ... }:
{
  virtualisation.libvirtd.onBoot = lib.mkIf true "resume";
}
