{ ... }: {
  networking.interfaces = [
    { name = "eth0"; ipv4.addresses = [ { address = "10.0.0.5"; prefixLength = 24; } ]; }
  ];
}
