{ lib, ... }: { imports = [ ./lib/hardware-maxjobs.nix ]; nix.maxJobs = "auto"; }
