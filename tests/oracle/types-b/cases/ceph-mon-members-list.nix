{ ... }:
{
  services.ceph.global.monInitialMembers = [ "node0" "node1" "node2" ];
}
