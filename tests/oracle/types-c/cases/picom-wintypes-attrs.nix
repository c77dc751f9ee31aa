{ ... }: { services.picom = { enable = true; wintypes = { tooltip = { fade = true; shadow = false; opacity = 0.75; focus = true; }; dock = { shadow = false; }; }; }; }
