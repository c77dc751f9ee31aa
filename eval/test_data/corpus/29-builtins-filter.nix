{ lib, ... }:
let ports = [ 22 80 443 8080 ]; in {
  networking.firewall.allowedTCPPorts = builtins.filter (p: p != 22) ports;
}
