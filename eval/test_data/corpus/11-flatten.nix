{ lib, ... }:
{
  networking.firewall.allowedUDPPorts = lib.flatten [ 53 [ 67 68 ] [ [ 123 ] ] ];
}
