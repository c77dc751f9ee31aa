{ ... }: { services.picom = { enable = true; vSync = "yes"; }; }
