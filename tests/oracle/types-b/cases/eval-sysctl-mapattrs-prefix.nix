{ lib, ... }:
{
  boot.kernel.sysctl = lib.mapAttrs' (iface: v: lib.nameValuePair "net.ipv4.conf.${iface}.rp_filter" v) {
    all = 2;
    default = 2;
  };
}
