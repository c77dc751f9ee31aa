{ ... }:
{
  hardware.pulseaudio.daemon.config.resample-method = "soxr-vhq";
}
