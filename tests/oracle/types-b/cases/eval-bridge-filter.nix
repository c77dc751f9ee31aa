{ lib, ... }:
{
  networking.bridges.br0.interfaces = lib.filter (i: lib.hasPrefix "enp" i) [ "enp1s0" "wlan0" "enp2s0" ];
}
