{ ... }: { services.picom = { enable = true; fadeSteps = [ 0.04 0.04 ]; }; }
