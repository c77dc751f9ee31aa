{ ... }: {
  users.users.alice = { isNormalUser = true; uid = "1000"; };
}
