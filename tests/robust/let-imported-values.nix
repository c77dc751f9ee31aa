# Regression: a `let` binding that imports a file, read first inside a
# list of a definition.
{ lib, ... }:
let
  ports = import ./parts/ports.nix;
in
{
  networking.firewall.allowedUDPPorts = lib.attrValues ports;
}
