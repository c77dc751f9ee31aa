{ lib, ... }:
let blocked = [ "203.0.113.7" "198.51.100.23" ]; in {
  imports = [ ./lib/blocklist-icmp.nix ];
  systemd.services.blocklist.script = lib.concatMapStrings (ip: "iptables -A INPUT -s ${ip} -j DROP\n") blocked;
}
