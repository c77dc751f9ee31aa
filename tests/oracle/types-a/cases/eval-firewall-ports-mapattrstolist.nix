{ lib, ... }: {
  networking.firewall.allowedTCPPorts = lib.mapAttrsToList (_: port: port) { ssh = 22; https = 443; http = 80; };
}
