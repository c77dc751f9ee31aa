# foldl' over a range inside foldl' over a range: 10^10 additions.
{ lib, ... }:
let
  xs = lib.range 1 100000;
in
{
  services.hostile.sum = builtins.foldl' (a: _: builtins.foldl' (b: y: b + y) a xs) 0 xs;
}
