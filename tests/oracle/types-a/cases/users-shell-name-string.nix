{ ... }: {
  users.users.alice = { isNormalUser = true; shell = "zsh"; };
}
