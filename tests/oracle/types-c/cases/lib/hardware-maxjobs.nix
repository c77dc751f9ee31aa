{ lib, ... }: { nix.maxJobs = lib.mkDefault 8; }
