{ pkgs, ... }:
{
  users.users.alice.shell = pkgs.tmux;
}
