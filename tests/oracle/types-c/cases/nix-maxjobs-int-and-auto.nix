{ lib, ... }: { nix.maxJobs = lib.mkMerge [ 8 "auto" ]; }
