{ ... }: { services.xserver.dpi = 189; }
