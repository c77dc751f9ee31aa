{ lib, ... }: {
  systemd.services.blocklist.script = lib.mkBefore "iptables -A INPUT -p icmp -j ACCEPT";
}
