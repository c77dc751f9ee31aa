{ ... }: { services.xserver.xrandrHeads = [ "HDMI-0" 1 ]; }
