{ ... }:
{
  virtualisation.docker.storageDriver = "zfs";
}
