{ ... }:
{
  hardware.pulseaudio.daemon.config = {
    realtime-scheduling = "yes";
    default-sample-rate = 48000;
  };
}
