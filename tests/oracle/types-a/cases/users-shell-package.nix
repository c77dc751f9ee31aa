{ pkgs, ... }: {
  users.users.alice = { isNormalUser = true; shell = pkgs.zsh; };
}
