{ ... }: {
  networking.wireguard.interfaces.wg0 = {
    ips = [ "10.100.0.2/24" ];
    privateKeyFile = "/root/wireguard-keys/private";
    peers = [{
      publicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
      allowedIPs = [ "10.100.0.0/24" ];
      endpoint = "demo.wireguard.io:12913";
      persistentKeepalive = "25";
    }];
  };
}
