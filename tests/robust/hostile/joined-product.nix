# One join whose result is the product of its inputs: 10^5 copies of a
# string of 10^6 bytes, separated by that string again.
{ ... }:
let
  big = builtins.concatStringsSep "" (builtins.genList (_: "0123456789") 100000);
in
{
  services.hostile.joined = builtins.concatStringsSep big (builtins.genList (_: big) 100000);
}
