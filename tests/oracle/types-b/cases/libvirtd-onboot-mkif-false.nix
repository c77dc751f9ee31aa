{ lib, ... }:
{
  virtualisation.libvirtd.onBoot = lib.mkIf false "resume";
}
