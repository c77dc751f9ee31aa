{ ... }: { services.picom = { enable = true; fadeSteps = [ 0.001 0.04 ]; }; }
