{ ... }: { nix.maxJobs = "auto"; }
