{ ... }:
{
  virtualisation.docker.storageDriver = "vfs";
}
