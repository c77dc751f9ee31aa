{ ... }:
{
  services.iperf3 = {
    enable = true;
    affinity = -1;
  };
}
