# 50,000 definitions under mkForce beside 50,000 plain ones: which ones a
# stronger definition replaces was found by comparing every pair (minutes).
{ lib, ... }:
let
  names = map toString (lib.range 1 50000);
in
{
  services.forced = lib.genAttrs names (_: lib.mkForce 1);
  services.plain = lib.genAttrs names (_: 2);
}
