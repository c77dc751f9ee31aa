{ ... }: { services.xserver.xrandrHeads = [ { output = "eDP-1"; primary = true; rotate = "left"; } ]; }
