{ ... }:
{
  users.users.alice.openssh.authorizedKeys.keyFiles = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ+BFtjE8D9+wVAnZ7IrhkTPlA62jdEq037+PaKCXkM alice@laptop"
  ];
}
