{ lib, ... }:
let
  ports = { ssh = 22; http = 80; https = 443; };
in
{
  networking.firewall.allowedTCPPorts = lib.attrValues ports;
}
