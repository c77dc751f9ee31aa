{ ... }:
{
  imports = [ ./lib/fw-extra-nat.nix ];
  networking.firewall.extraCommands = ''
    iptables -A nixos-fw -p tcp -s 10.0.0.0/8 --dport 9100 -j nixos-fw-accept
  '';
}
