{ ... }: { networking.hostName = "build_box"; }
