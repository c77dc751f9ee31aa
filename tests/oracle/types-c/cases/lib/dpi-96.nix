{ ... }: { services.xserver.dpi = 96; }
