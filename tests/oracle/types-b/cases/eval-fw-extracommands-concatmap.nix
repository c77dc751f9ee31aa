{ lib, ... }:
let
  trusted = [ "10.0.0.1" "10.0.0.2" ];
in
{
  networking.nat.extraCommands = lib.concatMapStringsSep "\n"
    (ip: "iptables -A nixos-fw -s ${ip} -j nixos-fw-accept") trusted;
}
