{ lib, ... }:
let
  base = 900;
in
{
  users.groups.media = {
    gid = base + 17;
    members = [ "jellyfin" ];
  };
  users.users.jellyfin = {
    isSystemUser = true;
    uid = base + builtins.div 35 2 + lib.mod 7 4;
  };
}
