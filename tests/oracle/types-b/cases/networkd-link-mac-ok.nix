{ ... }:
{
  systemd.network.links."10-wan" = {
    matchConfig.MACAddress = "52:54:00:12:34:56";
    linkConfig = {
      Name = "wan0";
      MACAddress = "52:54:00:ab:cd:ef";
    };
  };
}
