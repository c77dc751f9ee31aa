{ ... }:
{
  services.ttyd.signal = "SIGTERM";
}
