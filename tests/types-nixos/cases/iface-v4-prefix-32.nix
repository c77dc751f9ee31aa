{ ... }: {
  networking.interfaces.eth0.ipv4.addresses = [ { address = "10.0.0.1"; prefixLength = 32; } ];
}
