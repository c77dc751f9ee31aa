{ ... }:
{
  networking.wireguard.interfaces.wg0.peers = [
    {
      publicKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
      allowedIPs = "10.100.0.2/32, fd00::2/128";
      persistentKeepalive = 25;
    }
  ];
}
