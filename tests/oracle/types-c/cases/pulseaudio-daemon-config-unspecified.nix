{ ... }: { hardware.pulseaudio.daemon.config = { flat-volumes = "no"; default-sample-rate = 48000; resample-method = "speex-float-10"; default-fragment-size-msec = 2.5; }; }
