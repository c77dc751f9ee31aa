{ lib, ... }:
{
  networking.hostName = lib.concatStrings (builtins.genList (_: "a") 64);
}
