{ lib, ... }: { networking.wireguard.interfaces.wg0.preSetup = lib.mkMerge [ [ "ip netns add foo" ] "ip link set lo up" ]; }
