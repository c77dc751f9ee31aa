# lib.unique compares every element with those before it: 5 * 10^9
# comparisons for 100,000 elements.
{ lib, ... }:
{
  services.hostile.unique = lib.unique (builtins.genList (x: x) 100000);
}
