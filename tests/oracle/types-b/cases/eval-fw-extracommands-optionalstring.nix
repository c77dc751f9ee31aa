{ lib, ... }:
let
  nat = true;
  logging = false;
in
{
  networking.localCommands = ''
    iptables -A nixos-fw -p tcp --dport 9100 -s 10.0.0.0/8 -j nixos-fw-accept
  '' + lib.optionalString nat ''
    iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
  '' + lib.optionalString logging ''
    iptables -A nixos-fw -j LOG
  '';
}
