{ ... }:
{
  imports = [ ./lib/user-alice-1001.nix ];
  users.users.alice = {
    isNormalUser = true;
    uid = 1000;
  };
}
