{ ... }: { networking.defaultGateway = "192.168.1.1"; }
