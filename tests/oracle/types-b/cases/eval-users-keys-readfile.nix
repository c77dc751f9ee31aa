{ lib, ... }:
{
  users.users.root.openssh.authorizedKeys.keys =
    lib.filter (k: k != "") (lib.splitString "\n" (builtins.readFile ./lib/keys.txt));
}
