{ ... }: { services.xserver.dpi = 96.0; }
