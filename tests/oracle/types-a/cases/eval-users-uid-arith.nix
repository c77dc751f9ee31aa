{ lib, ... }:
let people = [ "alice" "bob" ]; in {
  users.users = lib.listToAttrs (lib.imap1 (i: name: lib.nameValuePair name { isNormalUser = true; uid = 1000 + i; }) people);
}
