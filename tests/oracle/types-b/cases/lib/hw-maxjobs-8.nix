{ ... }:
{
  nix.maxJobs = 8;
}
