{ ... }: { hardware.trackpoint = { enable = true; speed = "250"; }; }
