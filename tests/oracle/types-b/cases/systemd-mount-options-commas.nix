{ ... }:
{
  systemd.mounts = [
    {
      what = "server:/export/media";
      where = "/mnt/media";
      type = "nfs";
      options = "noatime,vers=4.2";
      wantedBy = [ "multi-user.target" ];
      startLimitIntervalSec = 10;
    }
  ];
}
