{ ... }:
{
  systemd.network.networks."10-lan" = {
    matchConfig.Name = "en*";
    networkConfig = {
      DHCP = "no";
      IPv6SendRA = true;
    };
  };
}
