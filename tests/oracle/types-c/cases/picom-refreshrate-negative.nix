{ ... }: { services.picom = { enable = true; refreshRate = -1; }; }
