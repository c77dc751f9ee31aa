# A tree of genList calls: 10^12 leaves.
{ ... }:
let
  grow = n: if n == 0 then [ 1 ] else builtins.genList (_: grow (n - 1)) 10;
in
{
  services.hostile.tree = grow 12;
}
