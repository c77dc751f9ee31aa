{ lib, ... }: {
  imports = [ ./lib/firewall-web-ports.nix ];
  networking.firewall.allowedTCPPorts = lib.mkForce [ 22 ];
}
