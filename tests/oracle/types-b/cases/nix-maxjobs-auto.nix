{ ... }:
{
  nix.maxJobs = "auto";
}
