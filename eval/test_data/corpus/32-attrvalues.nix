{ lib, ... }:
let ports = { http = 80; https = 443; }; in {
  networking.firewall.allowedTCPPorts = builtins.attrValues ports;
}
