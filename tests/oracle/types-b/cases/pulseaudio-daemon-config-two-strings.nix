{ ... }:
{
  imports = [ ./lib/pulse-resample.nix ];
  hardware.pulseaudio.daemon.config.resample-method = "speex-float-5";
}
