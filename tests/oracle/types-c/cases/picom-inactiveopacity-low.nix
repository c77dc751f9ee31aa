{ ... }: { services.picom = { enable = true; inactiveOpacity = 0.05; }; }
