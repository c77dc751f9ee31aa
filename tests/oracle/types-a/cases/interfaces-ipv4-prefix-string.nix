{ ... }: {
  networking.interfaces.eth0.ipv4.addresses = [ { address = "192.168.1.10"; prefixLength = "24"; } ];
}
