{ ... }:
{
  programs.fuse.mountMax = 65535;
}
