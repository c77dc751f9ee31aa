(import ./import-cycle.nix { }).services.hostile.cycle
