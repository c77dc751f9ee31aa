{ ... }: {
  networking.wireguard.interfaces.wg0 = {
    ips = [ "10.100.0.2/24" ];
    listenPort = 51820;
    privateKeyFile = "/root/wireguard-keys/private";
    peers = [{
      publicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
      allowedIPs = [ "10.192.122.3/32" "10.192.124.1/24" ];
      endpoint = "demo.wireguard.io:12913";
      persistentKeepalive = 25;
    }];
  };
}
