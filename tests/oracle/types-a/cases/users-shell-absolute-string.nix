{ ... }: {
  users.users.alice = { isNormalUser = true; shell = "/run/current-system/sw/bin/fish"; };
}
