{ ... }: { services.picom = { enable = true; fadeSteps = [ 0.03 0.03 0.03 ]; }; }
