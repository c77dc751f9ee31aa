{ ... }: { networking.hostName = "web-01"; }
