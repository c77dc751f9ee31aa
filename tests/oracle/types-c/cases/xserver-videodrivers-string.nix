{ ... }: { services.xserver.videoDrivers = "nvidia"; }
