{ ... }: {
  networking.interfaces.eth0.ipv6.routes = [ { address = "fd01::"; prefixLength = 48; } ];
}
