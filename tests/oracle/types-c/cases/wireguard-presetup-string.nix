{ ... }: { networking.wireguard.interfaces.wg0.preSetup = "ip netns add foo"; }
