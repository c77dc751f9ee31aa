# nix-compare
{ lib, ... }: { environment.etc.motd.text = "hello" + lib.optionalString true " world" + lib.optionalString false "!"; }
