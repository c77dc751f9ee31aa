{ lib, ... }:
{
  virtualisation.oci-containers = lib.mkIf true {
    backend = "containerd";
  };
}
