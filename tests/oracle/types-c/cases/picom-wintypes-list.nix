{ ... }: { services.picom = { enable = true; wintypes = [ "tooltip = { fade = true; }" ]; }; }
