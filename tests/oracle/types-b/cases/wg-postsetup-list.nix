{ ... }:
{
  networking.wireguard.interfaces.wg0 = {
    ips = [ "10.100.0.1/24" ];
    listenPort = 51820;
    privateKeyFile = "/var/lib/wireguard/private";
    postSetup = [
      "iptables -t nat -A POSTROUTING -s 10.100.0.0/24 -o eth0 -j MASQUERADE"
      "ip6tables -A FORWARD -i wg0 -j ACCEPT"
    ];
  };
}
