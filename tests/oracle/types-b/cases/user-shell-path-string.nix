{ ... }:
{
  users.users.alice.shell = "/run/current-system/sw/bin/zsh";
}
