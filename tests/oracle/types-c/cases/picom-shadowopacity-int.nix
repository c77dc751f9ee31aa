{ ... }: { services.picom = { enable = true; shadowOpacity = 1; }; }
