{ ... }: { networking.hostName = "web01.example.org"; }
