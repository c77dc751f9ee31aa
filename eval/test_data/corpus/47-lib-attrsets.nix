{ lib, ... }:
{
  services.app.names = lib.attrsets.mapAttrsToList (n: v: n) { a = 1; b = 2; };
  services.app.kept = lib.attrsets.filterAttrs (n: v: v > 1) { a = 1; b = 2; };
}
