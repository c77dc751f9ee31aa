{ ... }:
{
  services.iperf3.affinity = 0;
}
