# A chain of 100,000 lazy values, each computed from the one before:
# forcing the last forces them all, one inside the other.
{ ... }:
let
  chain = builtins.foldl' (prev: _: { value = prev.value + 1; }) { value = 0; } (builtins.genList (x: x) 100000);
in
{
  services.hostile.last = chain.value;
}
