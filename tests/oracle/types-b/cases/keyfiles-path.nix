{ ... }:
{
  users.users.alice = {
    isNormalUser = true;
    openssh.authorizedKeys.keyFiles = [ ./lib/alice.pub ];
  };
}
