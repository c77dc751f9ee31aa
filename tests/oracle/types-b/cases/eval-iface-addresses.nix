{ ... }:
{
  networking.interfaces.eth0 = {
    ipv4.addresses = [ { address = "192.168.1.10"; prefixLength = 24; } ];
    ipv6.addresses = [ { address = "2001:db8::10"; prefixLength = 64; } ];
  };
}
