{ ... }: { services.picom = { enable = true; vSync = "opengl-swc"; }; }
