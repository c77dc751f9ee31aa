{ ... }:
{
  imports = [ ./lib/hw-maxjobs-8.nix ];
  nix.maxJobs = "auto";
}
