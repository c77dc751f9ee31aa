{ pkgs, ... }: {
  users.users.alice = { isNormalUser = true; packages = [ pkgs.firefox "thunderbird" ]; };
}
