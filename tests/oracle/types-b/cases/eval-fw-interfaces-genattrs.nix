{ lib, ... }:
{
  networking.firewall.interfaces = lib.genAttrs [ "wg0" "tailscale0" ] (_: {
    allowedTCPPorts = [ 9100 9113 ];
    allowedUDPPorts = [ 5353 ];
  });
}
