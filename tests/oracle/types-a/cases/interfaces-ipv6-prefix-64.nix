{ ... }: {
  networking.interfaces.eth0.ipv6.addresses = [ { address = "2001:db8::10"; prefixLength = 64; } ];
}
