{ ... }:
{
  imports = [ ./lib/pulse-rate-string.nix ];
  hardware.pulseaudio.daemon.config.default-sample-rate = 48000;
}
