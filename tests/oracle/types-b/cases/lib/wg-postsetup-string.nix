{ ... }:
{
  networking.wireguard.interfaces.wg0.postSetup = ''
    iptables -A FORWARD -i wg0 -j ACCEPT
  '';
}
