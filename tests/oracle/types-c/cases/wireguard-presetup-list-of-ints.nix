{ ... }: { networking.wireguard.interfaces.wg0.preSetup = [ 1 2 ]; }
