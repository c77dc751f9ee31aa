{ ... }:
let
  base = {
    "net.core.somaxconn" = 1024;
    "net.core.default_qdisc" = "fq";
  };
in
{
  boot.kernel.sysctl = base // {
    "net.core.somaxconn" = 4096;
    "net.ipv4.tcp_congestion_control" = "bbr";
  };
}
