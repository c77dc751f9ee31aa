{ ... }: {
  networking.wireguard.interfaces.wg0.postSetup = [
    "iptables -t nat -A POSTROUTING -s 10.100.0.0/24 -o eth0 -j MASQUERADE"
  ];
}
