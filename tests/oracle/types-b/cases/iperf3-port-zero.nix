{ ... }:
{
  services.iperf3.port = 0;
}
