{ ... }:
{
  fileSystems."/srv" = "/dev/disk/by-label/srv";
}
