# A string doubled 64 times.
{ ... }:
let
  twice = s: s + s;
in
{
  services.hostile.text = builtins.foldl' (acc: _: twice acc) "nix" (builtins.genList (x: x) 64);
}
