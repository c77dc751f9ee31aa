{ ... }: { services.xserver.xrandrHeads = [ "HDMI-0" { output = "DVI-0"; primary = true; } { output = "DVI-1"; monitorConfig = "Option \"Rotate\" \"left\""; } ]; }
