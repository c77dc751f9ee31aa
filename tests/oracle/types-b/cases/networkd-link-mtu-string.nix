{ ... }:
{
  systemd.network.links."10-wan" = {
    matchConfig.OriginalName = "eth0";
    linkConfig.MTUBytes = "9000";
  };
}
