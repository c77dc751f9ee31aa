{ ... }:
{
  services.iperf3 = {
    enable = true;
    port = 70000;
  };
}
