{ ... }: {
  networking.wireguard.interfaces.wg0 = { ips = [ "10.100.0.2/24" ]; privateKeyFile = "/run/keys/wg"; preSetup = [ "ip link" true ]; };
}
