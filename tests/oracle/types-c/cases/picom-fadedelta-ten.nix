{ ... }: { services.picom = { enable = true; fade = true; fadeDelta = 10; }; }
