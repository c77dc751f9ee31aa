{ ... }: { services.ttyd.signal = 15; }
