{ ... }:
{
  systemd.nspawn.web.execConfig = {
    Boot = true;
    PrivateUsers = "pick";
  };
}
