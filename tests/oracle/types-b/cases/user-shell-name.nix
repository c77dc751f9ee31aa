{ ... }:
{
  users.users.alice.shell = "zsh";
}
