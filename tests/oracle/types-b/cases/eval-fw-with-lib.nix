{ lib, ... }:
with lib;
{
  networking.firewall = {
    allowedTCPPorts = mkForce ([ 22 ] ++ optional true 443);
  };
  networking.nat.internalInterfaces = [ "ve-+" ] ++ optional false "docker0";
}
