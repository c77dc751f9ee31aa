{ ... }:
{
  nix.maxJobs = "4";
}
