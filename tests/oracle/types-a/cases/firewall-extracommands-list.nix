{ ... }: {
  networking.firewall.extraCommands = [
    "iptables -A INPUT -p icmp -j ACCEPT"
    "ip6tables -A INPUT -p ipv6-icmp -j ACCEPT"
  ];
}
