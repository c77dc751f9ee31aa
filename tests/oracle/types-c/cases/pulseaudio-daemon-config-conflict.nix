{ lib, ... }: { hardware.pulseaudio.daemon.config = lib.mkMerge [ { default-sample-rate = 44100; } { default-sample-rate = 48000; } ]; }
