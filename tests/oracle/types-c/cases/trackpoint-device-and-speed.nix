{ ... }: { hardware.trackpoint = { enable = true; device = "TPPS/2 Elan TrackPoint"; speed = 250; sensitivity = 255; }; }
