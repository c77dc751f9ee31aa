{ ... }: {
  networking.interfaces.eth0.ipv6.addresses = [ { address = "fd00::1"; prefixLength = 129; } ];
}
