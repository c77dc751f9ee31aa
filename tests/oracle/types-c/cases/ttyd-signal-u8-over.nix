{ ... }: { services.ttyd.signal = 256; }
