{ ... }: { nix.maxJobs = "8"; }
