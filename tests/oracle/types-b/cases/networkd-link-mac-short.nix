{ ... }:
{
  systemd.network.links."10-wan" = {
    matchConfig.OriginalName = "eth0";
    linkConfig.MACAddress = "52:54:00:12:34";
  };
}
