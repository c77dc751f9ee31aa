{ ... }: { networking.hostName = "01-builder"; }
