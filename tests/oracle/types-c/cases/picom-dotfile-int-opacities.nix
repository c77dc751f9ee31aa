{ ... }: { services.picom = { enable = true; backend = "glx"; fade = true; fadeSteps = [ 1 1 ]; inactiveOpacity = 1; activeOpacity = 1; vSync = true; }; }
