{ lib, ... }:
{
  boot.kernel.sysctl = {
    "net.ipv4.ip_forward" = 1;
    "net.ipv6.conf.all.forwarding" = true;
    "vm.swappiness" = 10;
    "kernel.kptr_restrict" = lib.mkOverride 500 2;
  };
}
