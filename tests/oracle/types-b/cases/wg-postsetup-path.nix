{ ... }:
{
  networking.wireguard.interfaces.wg0.postSetup = ./lib/wg-up.sh;
}
