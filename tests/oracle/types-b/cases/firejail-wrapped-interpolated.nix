{ lib, pkgs, ... }:
{
  programs.firejail.wrappedBinaries.hello = "${lib.getBin pkgs.hello}/bin/hello";
}
