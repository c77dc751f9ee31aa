{ ... }:
{
  systemd.nspawn.web.execConfig = {
    Boot = "on";
    PrivateUsers = "pick";
  };
}
