{ ... }: { services.picom = { enable = true; shadow = true; shadowOffsets = [ (-10) (-15) ]; }; }
