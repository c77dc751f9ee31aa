{ lib, ... }:
{
  imports = [ ./lib/hw-maxjobs-default.nix ];
  nix.maxJobs = "auto";
}
