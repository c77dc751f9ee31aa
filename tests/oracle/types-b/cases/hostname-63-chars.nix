{ lib, ... }:
{
  networking.hostName = "h" + lib.concatStrings (builtins.genList (_: "x") 61) + "1";
}
