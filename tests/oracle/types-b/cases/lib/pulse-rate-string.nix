{ ... }:
{
  hardware.pulseaudio.daemon.config.default-sample-rate = "44100";
}
