{ ... }:
{
  systemd.mounts = [
    {
      what = "server:/export/media";
      where = "/mnt/media";
      type = "nfs";
      options = [ "noatime" "vers=4.2" ];
      startLimitIntervalSec = 10;
    }
  ];
}
