{ ... }: { services.picom = { enable = true; fade = true; fadeSteps = [ "0.15" "0.15" ]; shadow = true; }; }
