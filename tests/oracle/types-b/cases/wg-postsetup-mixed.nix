{ ... }:
{
  imports = [ ./lib/wg-postsetup-string.nix ];
  networking.wireguard.interfaces.wg0.postSetup = [ "ip route add 10.200.0.0/24 dev wg0" ];
}
