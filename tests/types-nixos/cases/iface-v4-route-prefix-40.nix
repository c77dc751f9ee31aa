{ ... }: {
  networking.interfaces.eth0.ipv4.routes = [ { address = "10.1.0.0"; prefixLength = 40; } ];
}
