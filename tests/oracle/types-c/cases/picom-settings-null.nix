{ ... }: { services.picom = { enable = true; settings = { blur-background = null; }; }; }
