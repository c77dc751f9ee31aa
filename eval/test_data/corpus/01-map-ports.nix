{ lib, ... }:
let ports = [ 80 443 ]; in {
  networking.firewall.allowedTCPPorts = map (p: p) ports;
  services.nginx.enable = true;
}
