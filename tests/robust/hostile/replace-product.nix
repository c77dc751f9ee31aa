# Every byte of a long string replaced by that string.
{ ... }:
let
  s = builtins.concatStringsSep "" (builtins.genList (_: "ab") 100000);
in
{
  services.hostile.replaced = builtins.replaceStrings [ "a" ] [ s ] s;
}
