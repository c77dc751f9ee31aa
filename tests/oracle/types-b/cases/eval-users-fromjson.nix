{ lib, ... }:
let
  people = builtins.fromJSON ''
    { "carol": { "uid": 1201, "name": "Carol Danvers", "groups": [] },
      "dave":  { "uid": 1202, "name": "Dave Lister", "groups": ["wheel"] } }
  '';
in
{
  users.users = lib.mapAttrs (_: p: {
    isNormalUser = true;
    inherit (p) uid;
    description = p.name;
    extraGroups = p.groups;
  }) people;
}
