{ ... }: { services.ttyd.signal = "SIGHUP"; }
