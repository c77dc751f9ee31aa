{ ... }: { networking.hostName = "nixos-"; }
