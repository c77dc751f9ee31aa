{ lib, ... }:
let
  inherit (lib) mapAttrs;
  users = { alice = 1001; bob = 1002; };
in {
  users.users = mapAttrs (name: uid: { inherit uid; isNormalUser = true; }) users;
}
