{ ... }: {
  networking.wg-quick.interfaces.wg0 = { address = [ "10.0.0.2/24" ]; postUp = [ "true" ./up.sh ]; };
}
