{ ... }: { services.picom = { enable = true; fade = true; fadeSteps = [ 0.1 5.0e-2 ]; shadow = true; shadowOpacity = 0.25; }; }
