{ lib, ... }:
let
  people = { alice = 1001; bob = 1002; };
in
{
  users.users = lib.mapAttrs (name: uid: {
    inherit uid;
    isNormalUser = true;
    home = "/home/${name}";
  }) people;
}
