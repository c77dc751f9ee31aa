{ ... }:
{
  users.users.svc = {
    isSystemUser = true;
    home = "var/lib/svc";
  };
}
