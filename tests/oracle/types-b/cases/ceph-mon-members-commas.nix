{ lib, ... }:
{
  services.ceph.global.monInitialMembers = lib.mkMerge [ "node0" "node1,node2" ];
}
