{ ... }: { services.picom = { enable = true; fadeDelta = 0; }; }
