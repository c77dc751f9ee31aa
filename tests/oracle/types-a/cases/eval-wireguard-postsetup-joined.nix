{ ... }: {
  imports = [ ./lib/wg0-nat.nix ];
  networking.wireguard.interfaces.wg0 = {
    ips = [ "10.100.0.1/24" ];
    privateKeyFile = "/root/wireguard-keys/private";
    postSetup = "echo wg0 up";
  };
}
