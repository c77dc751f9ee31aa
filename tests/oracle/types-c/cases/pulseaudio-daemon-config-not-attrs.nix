{ ... }: { hardware.pulseaudio.daemon.config = "flat-volumes = no"; }
