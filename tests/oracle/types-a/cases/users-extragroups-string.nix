{ ... }: {
  users.users.alice = { isNormalUser = true; extraGroups = "wheel"; };
}
