{ ... }: {
  users.users.alice = {
    isNormalUser = true;
    openssh.authorizedKeys.keys = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq alice@laptop";
  };
}
