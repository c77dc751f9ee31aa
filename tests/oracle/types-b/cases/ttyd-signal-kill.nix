{ ... }:
{
  services.ttyd.signal = 9;
}
