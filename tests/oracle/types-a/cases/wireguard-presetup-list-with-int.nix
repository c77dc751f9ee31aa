{ ... }: {
  networking.wireguard.interfaces.wg0 = {
    ips = [ "10.100.0.2/24" ];
    privateKeyFile = "/root/wireguard-keys/private";
    preSetup = [ "sleep" 5 ];
  };
}
