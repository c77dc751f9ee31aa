{ ... }:
{
  networking.firewall.extraCommands = [
    "iptables -A INPUT -p tcp --dport 9100 -s 10.0.0.0/8 -j ACCEPT"
    "ip6tables -A INPUT -p tcp --dport 9100 -j DROP"
  ];
}
