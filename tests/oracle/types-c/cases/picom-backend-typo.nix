{ ... }: { services.picom = { enable = true; backend = "glx-hybrid"; }; }
